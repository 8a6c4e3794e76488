// Operators over whole ports: chain, merge, join, anti_join, filter_not_in, cross_product,
// cross_singleton.
//
// Inside a tick they see their inputs complete (the scheduler runs them after their inputs).
// Output order is a deterministic function of input order: hash tables are only probed, never
// iterated.
#ifndef EDDY_DATAFLOW_OPS_RELATIONAL_H_
#define EDDY_DATAFLOW_OPS_RELATIONAL_H_

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "dataflow/core/internal/stable_hash.h"
#include "dataflow/core/internal/typed_nodes.h"

namespace eddy::internal {

// Appends `from` to `to`, moving the elements when this reader owns them.
template <class T>
void append_port(std::vector<T>& to, std::vector<T>& from, bool may_move) {
  if (may_move) {
    to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  } else {
    to.insert(to.end(), from.begin(), from.end());
  }
}

// chain / merge: all of the first input, then all of the second.
template <class T>
class ConcatNode final : public GeneralNode<std::vector<T>> {
 public:
  explicit ConcatNode(NodeSpec spec)
      : GeneralNode<std::vector<T>>(std::move(spec), type_name<T>()) {}

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    auto* out = &b.port<std::vector<T>>(this->id());
    auto* first = &b.port<std::vector<T>>(this->inputs()[0]);
    auto* second = &b.port<std::vector<T>>(this->inputs()[1]);
    const bool move_first = b.may_move_from(this->inputs()[0]);
    const bool move_second = b.may_move_from(this->inputs()[1]);
    InstanceCore* core = &b.core();
    return make_lambda_runtime([=, id = this->id()] {
      out->clear();
      append_port(*out, *first, move_first);
      append_port(*out, *second, move_second);
      core->count(id, out->size());
    });
  }
};

// join: (K, V1) ⋈ (K, V2) → (K, (V1, V2)). Within a tick, or, at a top-level location,
// incrementally over everything either side ever received.
template <class K, class V1, class V2>
class JoinNode final : public GeneralNode<std::vector<std::pair<K, std::pair<V1, V2>>>> {
  using Out = std::pair<K, std::pair<V1, V2>>;

 public:
  JoinNode(NodeSpec spec, bool persistent)
      : GeneralNode<std::vector<Out>>(std::move(spec), type_name<Out>()),
        persistent_(persistent) {}

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    struct State {
      StableMap<K, std::vector<V1>> left;
      StableMap<K, std::vector<V2>> right;
    };
    auto state = std::make_shared<State>();
    auto* out = &b.port<std::vector<Out>>(this->id());
    auto* left = &b.port<std::vector<std::pair<K, V1>>>(this->inputs()[0]);
    auto* right = &b.port<std::vector<std::pair<K, V2>>>(this->inputs()[1]);
    InstanceCore* core = &b.core();
    return make_lambda_runtime([=, persistent = persistent_, id = this->id()] {
      out->clear();
      if (!persistent) {
        state->left.clear();
        state->right.clear();
      }
      // New right elements join with every left element seen before this tick...
      for (const auto& [k, v2] : *right) {
        if (auto it = state->left.find(k); it != state->left.end()) {
          for (const V1& v1 : it->second) out->emplace_back(k, std::pair<V1, V2>(v1, v2));
        }
      }
      for (const auto& [k, v2] : *right) state->right[k].push_back(v2);
      // ...and new left elements with every right element, this tick's included.
      for (const auto& [k, v1] : *left) {
        if (auto it = state->right.find(k); it != state->right.end()) {
          for (const V2& v2 : it->second) out->emplace_back(k, std::pair<V1, V2>(v1, v2));
        }
      }
      if (persistent) {
        for (const auto& [k, v1] : *left) state->left[k].push_back(v1);
      }
      core->count(id, out->size());
    });
  }

 private:
  bool persistent_;
};

// anti_join / filter_not_in: the elements of the first input whose key (KeyOf) is absent from
// the second input.
template <class T, class Key, class KeyOf>
class AntiJoinNode final : public GeneralNode<std::vector<T>> {
 public:
  explicit AntiJoinNode(NodeSpec spec)
      : GeneralNode<std::vector<T>>(std::move(spec), type_name<T>()) {}

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    auto excluded = std::make_shared<StableSet<Key>>();
    auto* out = &b.port<std::vector<T>>(this->id());
    auto* positive = &b.port<std::vector<T>>(this->inputs()[0]);
    auto* negative = &b.port<std::vector<Key>>(this->inputs()[1]);
    const bool may_move = b.may_move_from(this->inputs()[0]);
    InstanceCore* core = &b.core();
    return make_lambda_runtime([=, id = this->id()] {
      out->clear();
      excluded->clear();
      excluded->insert(negative->begin(), negative->end());
      for (T& x : *positive) {
        if (excluded->contains(KeyOf{}(x))) continue;
        if (may_move) {
          out->push_back(std::move(x));
        } else {
          out->push_back(x);
        }
      }
      core->count(id, out->size());
    });
  }
};

struct FirstOfPair {
  template <class P>
  const auto& operator()(const P& p) const {
    return p.first;
  }
};
struct Itself {
  template <class T>
  const T& operator()(const T& x) const {
    return x;
  }
};

// cross_product: every pair (a, b), a-major.
template <class A, class B>
class CrossProductNode final : public GeneralNode<std::vector<std::pair<A, B>>> {
 public:
  explicit CrossProductNode(NodeSpec spec)
      : GeneralNode<std::vector<std::pair<A, B>>>(std::move(spec), type_name<std::pair<A, B>>()) {}

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    auto* out = &b.port<std::vector<std::pair<A, B>>>(this->id());
    auto* left = &b.port<std::vector<A>>(this->inputs()[0]);
    auto* right = &b.port<std::vector<B>>(this->inputs()[1]);
    InstanceCore* core = &b.core();
    return make_lambda_runtime([=, id = this->id()] {
      out->clear();
      out->reserve(left->size() * right->size());
      for (const A& a : *left) {
        for (const B& r : *right) out->emplace_back(a, r);
      }
      core->count(id, out->size());
    });
  }
};

// cross_singleton: each element paired with the singleton's value; nothing when the singleton
// (an Optional) is empty.
template <class T, class S>
class CrossSingletonNode final : public GeneralNode<std::vector<std::pair<T, S>>> {
 public:
  explicit CrossSingletonNode(NodeSpec spec)
      : GeneralNode<std::vector<std::pair<T, S>>>(std::move(spec), type_name<std::pair<T, S>>()) {}

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    auto* out = &b.port<std::vector<std::pair<T, S>>>(this->id());
    auto* stream = &b.port<std::vector<T>>(this->inputs()[0]);
    auto* single = &b.port<std::optional<S>>(this->inputs()[1]);
    const bool may_move = b.may_move_from(this->inputs()[0]);
    InstanceCore* core = &b.core();
    return make_lambda_runtime([=, id = this->id()] {
      out->clear();
      if (!single->has_value()) return;
      for (T& x : *stream) {
        if (may_move) {
          out->emplace_back(std::move(x), **single);
        } else {
          out->emplace_back(x, **single);
        }
      }
      core->count(id, out->size());
    });
  }
};

}  // namespace eddy::internal

#endif  // EDDY_DATAFLOW_OPS_RELATIONAL_H_
