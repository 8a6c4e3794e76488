// Reading a KeyedSingleton (a view of a table some fold_keyed/reduce_keyed owns): lookup (every
// probe gets a hit or an explicit miss), get, entries, keys, values, key_count.
//
// entries/keys/values iterate the table; with StableHash that order is a fixed function of the
// table's history, but it is not sorted, so those streams are typed NoOrder.
#ifndef EDDY_DATAFLOW_OPS_KEYED_H_
#define EDDY_DATAFLOW_OPS_KEYED_H_

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "dataflow/core/internal/stable_hash.h"
#include "dataflow/core/internal/typed_nodes.h"

namespace eddy::internal {

// lookup over Stream<K>: (K, optional<V>) per probe. Over KeyedStream<K, P>:
// (K, (P, optional<V>)) per probe. kWithPayload selects the second form.
template <class K, class V, class P, bool kWithPayload>
class LookupNode final
    : public GeneralNode<std::vector<
          std::conditional_t<kWithPayload, std::pair<K, std::pair<P, std::optional<V>>>,
                             std::pair<K, std::optional<V>>>>> {
  using Probe = std::conditional_t<kWithPayload, std::pair<K, P>, K>;
  using Out = std::conditional_t<kWithPayload, std::pair<K, std::pair<P, std::optional<V>>>,
                                 std::pair<K, std::optional<V>>>;

 public:
  explicit LookupNode(NodeSpec spec)
      : GeneralNode<std::vector<Out>>(std::move(spec), type_name<Out>()) {}

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    auto* out = &b.port<std::vector<Out>>(this->id());
    auto* table = &b.port<KeyedTableView<K, V>>(this->inputs()[0]);
    auto* probes = &b.port<std::vector<Probe>>(this->inputs()[1]);
    const bool may_move = b.may_move_from(this->inputs()[1]);
    InstanceCore* core = &b.core();
    return make_lambda_runtime([=, id = this->id()] {
      out->clear();
      for (Probe& probe : *probes) {
        const K& key = [&]() -> const K& {
          if constexpr (kWithPayload) {
            return probe.first;
          } else {
            return probe;
          }
        }();
        std::optional<V> hit;
        if (table->table != nullptr) {
          if (auto it = table->table->find(key); it != table->table->end()) hit = it->second;
        }
        if constexpr (kWithPayload) {
          if (may_move) {
            out->emplace_back(std::move(probe.first),
                              std::pair<P, std::optional<V>>(std::move(probe.second), std::move(hit)));
          } else {
            out->emplace_back(probe.first, std::pair<P, std::optional<V>>(probe.second, std::move(hit)));
          }
        } else {
          out->emplace_back(probe, std::move(hit));
        }
      }
      core->count(id, out->size());
    });
  }
};

// get(key): the value under the key held by an Optional/Singleton; empty on a miss.
template <class K, class V>
class GetNode final : public GeneralNode<std::optional<V>> {
 public:
  explicit GetNode(NodeSpec spec) : GeneralNode<std::optional<V>>(std::move(spec), type_name<V>()) {}

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    auto* out = &b.port<std::optional<V>>(this->id());
    auto* table = &b.port<KeyedTableView<K, V>>(this->inputs()[0]);
    auto* key = &b.port<std::optional<K>>(this->inputs()[1]);
    return make_lambda_runtime([=] {
      out->reset();
      if (!key->has_value() || table->table == nullptr) return;
      if (auto it = table->table->find(**key); it != table->table->end()) *out = it->second;
    });
  }
};

enum class TableRead { kEntries, kKeys, kValues };

template <class K, class V, TableRead kRead>
using TableReadElement = std::conditional_t<
    kRead == TableRead::kEntries, std::pair<K, V>,
    std::conditional_t<kRead == TableRead::kKeys, K, V>>;

// entries / keys / values.
template <class K, class V, TableRead kRead>
class TableReadNode final : public GeneralNode<std::vector<TableReadElement<K, V, kRead>>> {
  using Out = TableReadElement<K, V, kRead>;

 public:
  explicit TableReadNode(NodeSpec spec)
      : GeneralNode<std::vector<Out>>(std::move(spec), type_name<Out>()) {}

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    auto* out = &b.port<std::vector<Out>>(this->id());
    auto* table = &b.port<KeyedTableView<K, V>>(this->inputs()[0]);
    InstanceCore* core = &b.core();
    return make_lambda_runtime([=, id = this->id()] {
      out->clear();
      if (table->table == nullptr) return;
      out->reserve(table->table->size());
      for (const auto& [k, v] : *table->table) {
        if constexpr (kRead == TableRead::kEntries) {
          out->emplace_back(k, v);
        } else if constexpr (kRead == TableRead::kKeys) {
          out->push_back(k);
        } else {
          out->push_back(v);
        }
      }
      core->count(id, out->size());
    });
  }
};

// query(probes, f): f(table, probe) for each probe: a whole-table computation that runs only
// when asked.
template <class K, class V, class P, class Out, class F>
class QueryNode final : public GeneralNode<std::vector<Out>> {
 public:
  QueryNode(NodeSpec spec, F f) : GeneralNode<std::vector<Out>>(std::move(spec), type_name<Out>()), f_(std::move(f)) {}

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    auto* out = &b.port<std::vector<Out>>(this->id());
    auto* table = &b.port<KeyedTableView<K, V>>(this->inputs()[0]);
    auto* probes = &b.port<std::vector<P>>(this->inputs()[1]);
    InstanceCore* core = &b.core();
    return make_lambda_runtime([=, f = f_, id = this->id()]() mutable {
      out->clear();
      for (P& probe : *probes) out->push_back(f(TableView<K, V>(*table), static_cast<const P&>(probe)));
      core->count(id, out->size());
    });
  }

 private:
  F f_;
};

// table.scan_over(events, init, f): f(state, table, x) for each event in order, emitting what f
// returns (std::optional or range), with read access to the table in place.
template <class K, class V, class In, class S, class Out, class F>
class TableScanNode final : public GeneralNode<std::vector<Out>> {
 public:
  TableScanNode(NodeSpec spec, S init, F f, bool persistent)
      : GeneralNode<std::vector<Out>>(std::move(spec), type_name<Out>()),
        init_(std::move(init)),
        f_(std::move(f)),
        persistent_(persistent) {}

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    auto* out = &b.port<std::vector<Out>>(this->id());
    auto* table = &b.port<KeyedTableView<K, V>>(this->inputs()[0]);
    auto* events = &b.port<std::vector<In>>(this->inputs()[1]);
    const bool may_move = b.may_move_from(this->inputs()[1]);
    InstanceCore* core = &b.core();
    auto state = std::make_shared<std::optional<S>>();
    return make_lambda_runtime([=, this, f = f_]() mutable {
      out->clear();
      if (!persistent_ || !state->has_value()) state->emplace(init_);
      const TableView<K, V> view(*table);
      for (In& x : *events) {
        auto result = may_move ? call_user(f, core->context(), **state, view, std::move(x))
                               : call_user(f, core->context(), **state, view, In(x));
        if constexpr (requires { result.has_value(); }) {
          if (result.has_value()) out->push_back(std::move(*result));
        } else {
          for (auto&& y : result) out->push_back(std::move(y));
        }
      }
      core->count(this->id(), out->size());
    });
  }

 private:
  S init_;
  F f_;
  bool persistent_;
};

// key_count: Singleton<size_t>.
template <class K, class V>
class KeyCountNode final : public GeneralNode<std::optional<size_t>> {
 public:
  explicit KeyCountNode(NodeSpec spec)
      : GeneralNode<std::optional<size_t>>(std::move(spec), "size_t") {}

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    auto* out = &b.port<std::optional<size_t>>(this->id());
    auto* table = &b.port<KeyedTableView<K, V>>(this->inputs()[0]);
    return make_lambda_runtime([=] { *out = table->size(); });
  }
};

}  // namespace eddy::internal

#endif  // EDDY_DATAFLOW_OPS_KEYED_H_
