// Value models: what a key holds in the store, as a lattice, and how reads and writes map to it.
//
//   LwwModel     a last-writer-wins register: the write with the greatest version (stamp, then
//                origin member) wins on every member; a delete is a newer tombstone.
//   CausalModel  the concurrent versions of the value (siblings, each with a vector clock): a
//                member writes with a clock that dominates everything it had for the key, so a
//                write that has seen earlier ones replaces them, and writes that have not seen
//                each other are both kept until a later write collapses them. GET returns every
//                live sibling.
//
// Each model gives: Value (a lattice), write() (the value a write makes; causal reads what the
// member had first), read() (fill a GET reply), live(), for_each_version() (the versions of
// the writes a value holds; for_each_write() says which are deletes), drop_versions() (remove some of them: collecting deletes every
// replica has, or ignoring copies of writes every replica has applied) and digest().
#ifndef EDDY_KVS_CORE_VALUE_MODEL_H_
#define EDDY_KVS_CORE_VALUE_MODEL_H_

#include <optional>
#include <string>

#include "dataflow/core/rng.h"
#include "kvs/core/types.h"
#include "kvs/lattices/causal.h"
#include "kvs/lattices/lww.h"

namespace eddy::kvs {

// An order-independent hash of bytes, fixed across runs and processes.
inline uint64_t stable_bytes_hash(const std::string& bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) h = (h ^ c) * 0x100000001b3ULL;
  return mix64(h ^ bytes.size());
}

struct LwwModel {
  using Value = Lww<std::string>;
  static constexpr const char* kName = "lww";
  // Writes do not depend on what the member had.
  static constexpr bool kReadsBeforeWrite = false;

  // The value a write of `bytes` (a delete when nullopt) at `version` makes.
  static Value write(std::optional<std::string> bytes, Version version, const Value* /*prior*/) {
    if (!bytes) return Value::tombstone(version.stamp, version.origin);
    return Value::write(version.stamp, version.origin, std::move(*bytes));
  }
  static void read(const Value& value, MemberReply* reply) {
    if (value.is_tombstone()) return;
    reply->values.push_back(*value.value());
    reply->seen.push_back(Version{static_cast<uint32_t>(value.writer()), value.timestamp()});
  }
  static bool live(const Value& value) { return !value.is_tombstone(); }
  // Calls f(version) for the version of each write `value` holds (one, for a register).
  template <class F>
  static void for_each_version(const Value& value, F&& f) {
    f(Version{static_cast<uint32_t>(value.writer()), value.timestamp()});
  }
  // Calls f(version, is_delete) for each write `value` holds.
  template <class F>
  static void for_each_write(const Value& value, F&& f) {
    f(Version{static_cast<uint32_t>(value.writer()), value.timestamp()}, value.is_tombstone());
  }
  // Removes the writes `drop(version, is_delete)` holds for; false when none is left (the
  // key then has no value at all).
  template <class Drop>
  static bool drop_versions(Value& value, Drop&& drop) {
    return !drop(Version{static_cast<uint32_t>(value.writer()), value.timestamp()},
                 value.is_tombstone());
  }
  static uint64_t digest(const Value& value) {
    return mix64(value.timestamp() * 0x9e3779b97f4a7c15ULL + value.writer()) ^
           (value.is_tombstone() ? 0x5bd1e995ULL : stable_bytes_hash(*value.value()));
  }
};

struct CausalModel {
  // One version of a causal value: the bytes (none for a delete) and the write's version.
  struct Tagged {
    std::optional<std::string> bytes;
    Version version;

    friend auto operator<=>(const Tagged&, const Tagged&) = default;
    template <class Archive>
    void serialize(Archive& archive) {
      archive(bytes, version);
    }
  };
  using Value = Causal<Tagged>;
  static constexpr const char* kName = "causal";
  // A write's clock must dominate what the member had for the key.
  static constexpr bool kReadsBeforeWrite = true;

  static Value write(std::optional<std::string> bytes, Version version, const Value* prior) {
    VectorClock clock = prior != nullptr ? prior->clock() : VectorClock();
    // Stamps grow, so this entry exceeds every entry of the origin the member has seen.
    clock.merge(VectorClock{{std::to_string(version.origin), version.stamp}});
    return Value::write(std::move(clock), Tagged{std::move(bytes), version});
  }
  static void read(const Value& value, MemberReply* reply) {
    for (const auto& sibling : value.siblings()) {
      reply->seen.push_back(sibling.value.version);
      if (sibling.value.bytes) reply->values.push_back(*sibling.value.bytes);
    }
  }
  static bool live(const Value& value) {
    for (const auto& sibling : value.siblings()) {
      if (sibling.value.bytes) return true;
    }
    return false;
  }
  template <class F>
  static void for_each_version(const Value& value, F&& f) {
    for (const auto& sibling : value.siblings()) f(sibling.value.version);
  }
  template <class F>
  static void for_each_write(const Value& value, F&& f) {
    for (const auto& sibling : value.siblings()) {
      f(sibling.value.version, !sibling.value.bytes.has_value());
    }
  }
  template <class Drop>
  static bool drop_versions(Value& value, Drop&& drop) {
    value.remove_if([&](const Value::Sibling& sibling) {
      return drop(sibling.value.version, !sibling.value.bytes.has_value());
    });
    return !value.empty();
  }
  static uint64_t digest(const Value& value) {
    uint64_t h = 0;
    for (const auto& sibling : value.siblings()) {
      uint64_t s = mix64(sibling.value.version.stamp * 31 + sibling.value.version.origin);
      if (sibling.value.bytes) s ^= stable_bytes_hash(*sibling.value.bytes);
      for (const auto& [replica, counter] : sibling.clock.entries()) {
        s = mix64(s ^ stable_bytes_hash(replica) ^ counter);
      }
      h += s;
    }
    return h;
  }
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CORE_VALUE_MODEL_H_
