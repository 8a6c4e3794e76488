// Aggregations over one stream: fold and reduce (count, min, max, first, last are folds and
// reductions the collection handles build), fold_keyed and reduce_keyed (and
// reduce_keyed_or_erase, whose input can remove keys), persist, unique and sort.
//
// Inside a Tick an aggregation sees only that tick's elements and its state restarts every
// tick; at a top-level location, or after across_ticks(), its state lives for the whole run.
// Folds write their accumulator in place in their port, so a persisted fold costs nothing per
// tick beyond its new elements.
#ifndef EDDY_DATAFLOW_OPS_AGGREGATE_H_
#define EDDY_DATAFLOW_OPS_AGGREGATE_H_

#include <algorithm>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "dataflow/core/internal/stable_hash.h"
#include "dataflow/core/internal/typed_nodes.h"

namespace eddy::internal {

// Applies a combiner in either style: `void f(Acc&, T)` updates in place, `Acc f(Acc, T)`
// returns the new accumulator.
template <class F, class Acc, class T>
inline void combine_into(F& f, Acc& acc, T&& x) {
  if constexpr (std::is_void_v<std::invoke_result_t<F&, Acc&, T&&>>) {
    f(acc, std::forward<T>(x));
  } else {
    acc = f(std::move(acc), std::forward<T>(x));
  }
}

template <class F, class Acc, class T>
inline constexpr bool kIsCombiner = std::is_invocable_v<F&, Acc&, T&&>;

// fold(init, f): Singleton<Acc>.
template <class In, class Acc, class F>
class FoldNode final : public SinkNode<In, std::optional<Acc>> {
 public:
  FoldNode(NodeSpec spec, Acc init, F f, bool persistent)
      : SinkNode<In, std::optional<Acc>>(std::move(spec), type_name<Acc>()),
        init_(std::move(init)),
        f_(std::move(f)),
        persistent_(persistent) {}

 protected:
  std::unique_ptr<ChunkSink<In>> make_typed_sink(InstanceBuilder& builder) const override {
    std::optional<Acc>* acc = &builder.port<std::optional<Acc>>(this->id());
    InstanceCore* core = &builder.core();
    return make_lambda_sink<In>(
        [this, acc] {
          if (!persistent_ || !acc->has_value()) acc->emplace(init_);
        },
        [acc, f = f_](std::span<In> items) mutable {
          // Fold into a local: the port could alias the items, which would keep the
          // accumulator out of registers.
          Acc value = std::move(**acc);
          for (In& x : items) combine_into(f, value, std::move(x));
          **acc = std::move(value);
        },
        [this, core] { core->count(this->id(), 1); });
  }

 private:
  Acc init_;
  F f_;
  bool persistent_;
};

// reduce(f): Optional<T>, empty until the first element.
template <class T, class F>
class ReduceNode final : public SinkNode<T, std::optional<T>> {
 public:
  ReduceNode(NodeSpec spec, F f, bool persistent)
      : SinkNode<T, std::optional<T>>(std::move(spec), type_name<T>()),
        f_(std::move(f)),
        persistent_(persistent) {}

 protected:
  std::unique_ptr<ChunkSink<T>> make_typed_sink(InstanceBuilder& builder) const override {
    std::optional<T>* acc = &builder.port<std::optional<T>>(this->id());
    InstanceCore* core = &builder.core();
    return make_lambda_sink<T>(
        [this, acc] {
          if (!persistent_) acc->reset();
        },
        [acc, f = f_](std::span<T> items) mutable {
          for (T& x : items) {
            if (acc->has_value()) {
              combine_into(f, **acc, std::move(x));
            } else {
              acc->emplace(std::move(x));
            }
          }
        },
        [this, core, acc] {
          if (acc->has_value()) core->count(this->id(), 1);
        });
  }

 private:
  F f_;
  bool persistent_;
};

// fold_keyed(init, f) / reduce_keyed(f): KeyedSingleton<K, Acc>. The sink owns the table and
// the port is a view of it.
template <class K, class V, class Acc, class F, bool kReduce>
class FoldKeyedNode final
    : public SinkNode<std::pair<K, V>, KeyedTableView<K, Acc>> {
  using In = std::pair<K, V>;

 public:
  FoldKeyedNode(NodeSpec spec, std::optional<Acc> init, F f, bool persistent)
      : SinkNode<In, KeyedTableView<K, Acc>>(std::move(spec),
                                             type_name<std::pair<K, Acc>>()),
        init_(std::move(init)),
        f_(std::move(f)),
        persistent_(persistent) {}

 protected:
  class Sink final : public ChunkSink<In> {
   public:
    Sink(const FoldKeyedNode& node, InstanceCore& core, KeyedTableView<K, Acc>& port)
        : node_(node), core_(core), f_(node.f_) {
      port.table = &table_;
    }
    void begin() override {
      if (!node_.persistent_) table_.clear();
    }
    void push(std::span<In> items) override {
      for (In& item : items) {
        if constexpr (kReduce) {
          auto [it, inserted] = table_.try_emplace(std::move(item.first), std::move(item.second));
          if (!inserted) combine_into(f_, it->second, std::move(item.second));
        } else {
          auto [it, inserted] = table_.try_emplace(std::move(item.first), *node_.init_);
          combine_into(f_, it->second, std::move(item.second));
        }
      }
      core_.count(node_.id(), items.size());
    }

   private:
    const FoldKeyedNode& node_;
    InstanceCore& core_;
    F f_;
    StableMap<K, Acc> table_;
  };

  std::unique_ptr<ChunkSink<In>> make_typed_sink(InstanceBuilder& builder) const override {
    return std::make_unique<Sink>(*this, builder.core(),
                                  builder.port<KeyedTableView<K, Acc>>(this->id()));
  }

 private:
  std::optional<Acc> init_;
  F f_;
  bool persistent_;
};

// reduce_keyed_or_erase(f): KeyedSingleton<K, V> made from (key, optional value) pairs, in
// their order: a value combines into its key's entry as reduce_keyed's do (the first one is the
// entry), and an empty one removes the key's entry. The table lives across ticks.
template <class K, class V, class F>
class ReduceKeyedOrEraseNode final
    : public SinkNode<std::pair<K, std::optional<V>>, KeyedTableView<K, V>> {
  using In = std::pair<K, std::optional<V>>;

 public:
  ReduceKeyedOrEraseNode(NodeSpec spec, F f)
      : SinkNode<In, KeyedTableView<K, V>>(std::move(spec), type_name<std::pair<K, V>>()),
        f_(std::move(f)) {}

 protected:
  class Sink final : public ChunkSink<In> {
   public:
    Sink(const ReduceKeyedOrEraseNode& node, InstanceCore& core, KeyedTableView<K, V>& port)
        : node_(node), core_(core), f_(node.f_) {
      port.table = &table_;
    }
    void begin() override {}
    void push(std::span<In> items) override {
      for (In& item : items) {
        if (!item.second) {
          table_.erase(item.first);
          continue;
        }
        auto [it, inserted] = table_.try_emplace(std::move(item.first), std::move(*item.second));
        if (!inserted) combine_into(f_, it->second, std::move(*item.second));
      }
      core_.count(node_.id(), items.size());
    }

   private:
    const ReduceKeyedOrEraseNode& node_;
    InstanceCore& core_;
    F f_;
    StableMap<K, V> table_;
  };

  std::unique_ptr<ChunkSink<In>> make_typed_sink(InstanceBuilder& builder) const override {
    return std::make_unique<Sink>(*this, builder.core(),
                                  builder.port<KeyedTableView<K, V>>(this->id()));
  }

 private:
  F f_;
};

// persist(): every element of every tick so far, replayed each tick.
template <class T>
class PersistNode final : public SinkNode<T, std::vector<T>> {
 public:
  explicit PersistNode(NodeSpec spec) : SinkNode<T, std::vector<T>>(std::move(spec), type_name<T>()) {}
  bool port_is_scratch() const override { return false; }

 protected:
  std::unique_ptr<ChunkSink<T>> make_typed_sink(InstanceBuilder& builder) const override {
    std::vector<T>* all = &builder.port<std::vector<T>>(this->id());
    InstanceCore* core = &builder.core();
    return make_lambda_sink<T>(
        [] {},
        [all, core, id = this->id()](std::span<T> items) {
          all->insert(all->end(), std::make_move_iterator(items.begin()),
                      std::make_move_iterator(items.end()));
          core->count(id, items.size());
        },
        [] {});
  }
};

// unique(): the first occurrence of each element, in input order.
template <class T>
class UniqueNode final : public SinkNode<T, std::vector<T>> {
 public:
  UniqueNode(NodeSpec spec, bool persistent)
      : SinkNode<T, std::vector<T>>(std::move(spec), type_name<T>()), persistent_(persistent) {}

 protected:
  std::unique_ptr<ChunkSink<T>> make_typed_sink(InstanceBuilder& builder) const override {
    struct State {
      StableSet<T> seen;
    };
    auto state = std::make_shared<State>();
    std::vector<T>* out = &builder.port<std::vector<T>>(this->id());
    InstanceCore* core = &builder.core();
    return make_lambda_sink<T>(
        [this, state, out] {
          out->clear();
          if (!persistent_) state->seen.clear();
        },
        [state, out](std::span<T> items) {
          for (T& x : items) {
            if (state->seen.insert(x).second) out->push_back(std::move(x));
          }
        },
        [this, core, out] { core->count(this->id(), out->size()); });
  }

 private:
  bool persistent_;
};

// scan(init, f): runs f(state, x) over the elements in order, emitting what it returns (a
// std::optional: zero or one element; a range: any number).
template <class In, class S, class Out, class F>
class ScanNode final : public SinkNode<In, std::vector<Out>> {
 public:
  ScanNode(NodeSpec spec, S init, F f, bool persistent)
      : SinkNode<In, std::vector<Out>>(std::move(spec), type_name<Out>()),
        init_(std::move(init)),
        f_(std::move(f)),
        persistent_(persistent) {}

 protected:
  std::unique_ptr<ChunkSink<In>> make_typed_sink(InstanceBuilder& builder) const override {
    struct State {
      std::optional<S> value;
    };
    auto state = std::make_shared<State>();
    std::vector<Out>* out = &builder.port<std::vector<Out>>(this->id());
    InstanceCore* core = &builder.core();
    return make_lambda_sink<In>(
        [this, state, out] {
          out->clear();
          if (!persistent_ || !state->value.has_value()) state->value.emplace(init_);
        },
        [state, out, core, f = f_](std::span<In> items) mutable {
          S& s = *state->value;
          for (In& x : items) {
            auto result = call_user(f, core->context(), s, std::move(x));
            if constexpr (requires { result.has_value(); }) {
              if (result.has_value()) out->push_back(std::move(*result));
            } else {
              for (auto&& y : result) out->push_back(std::move(y));
            }
          }
        },
        [this, core, out] { core->count(this->id(), out->size()); });
  }

 private:
  S init_;
  F f_;
  bool persistent_;
};

// partition<N>(f): moves each element into branch f(x) (< N). The node's port holds the N
// branches; each PartitionBranchNode takes its branch out of it (a swap, no copies).
template <class T, size_t N, class F>
class PartitionNode final : public SinkNode<T, std::array<std::vector<T>, N>> {
 public:
  PartitionNode(NodeSpec spec, F f)
      : SinkNode<T, std::array<std::vector<T>, N>>(std::move(spec), type_name<T>()), f_(std::move(f)) {}

 protected:
  std::unique_ptr<ChunkSink<T>> make_typed_sink(InstanceBuilder& builder) const override {
    auto* branches = &builder.port<std::array<std::vector<T>, N>>(this->id());
    InstanceCore* core = &builder.core();
    return make_lambda_sink<T>(
        [branches] {
          for (auto& branch : *branches) branch.clear();
        },
        [branches, core, f = f_](std::span<T> items) mutable {
          for (T& x : items) {
            const size_t i = static_cast<size_t>(call_user(f, core->context(), static_cast<const T&>(x)));
            EDDY_CHECK(i < N, "partition: the selector returned ", i, " for ", N, " branches");
            (*branches)[i].push_back(std::move(x));
          }
        },
        [] {});
  }

 private:
  F f_;
};

template <class T, size_t N>
class PartitionBranchNode final : public GeneralNode<std::vector<T>> {
 public:
  PartitionBranchNode(NodeSpec spec, size_t branch)
      : GeneralNode<std::vector<T>>(std::move(spec), type_name<T>()), branch_(branch) {}

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    auto* out = &b.port<std::vector<T>>(this->id());
    auto* branches = &b.port<std::array<std::vector<T>, N>>(this->inputs()[0]);
    InstanceCore* core = &b.core();
    return make_lambda_runtime([=, branch = branch_, id = this->id()] {
      out->clear();
      out->swap((*branches)[branch]);
      core->count(id, out->size());
    });
  }

 private:
  size_t branch_;
};

// sort(): the tick's elements in ascending order (stable).
template <class T>
class SortNode final : public SinkNode<T, std::vector<T>> {
 public:
  explicit SortNode(NodeSpec spec) : SinkNode<T, std::vector<T>>(std::move(spec), type_name<T>()) {}

 protected:
  std::unique_ptr<ChunkSink<T>> make_typed_sink(InstanceBuilder& builder) const override {
    std::vector<T>* out = &builder.port<std::vector<T>>(this->id());
    InstanceCore* core = &builder.core();
    return make_lambda_sink<T>(
        [out] { out->clear(); },
        [out](std::span<T> items) {
          out->insert(out->end(), std::make_move_iterator(items.begin()),
                      std::make_move_iterator(items.end()));
        },
        [this, core, out] {
          std::stable_sort(out->begin(), out->end());
          core->count(this->id(), out->size());
        });
  }
};

}  // namespace eddy::internal

#endif  // EDDY_DATAFLOW_OPS_AGGREGATE_H_
