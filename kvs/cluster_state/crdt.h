// The CRDT field types of the cluster-state tables, in one include:
//   Stamp, Dot, HybridClock (stamp.h)  -- how changes are ordered and named;
//   LwwRegister<T>, Resolver<T> (lww_register.h) -- scalar fields, custom conflict resolution;
//   OrSet<T> (or_set.h)                -- set fields, add-wins observed-remove;
//   LwwMap<K, V> (lww_map.h)           -- string-map fields merged entry by entry;
//   FieldResolvers (field_resolvers.h) -- the per-field resolvers of one replica.
// Each type's merge is associative, commutative and idempotent; see each header's contract.
#ifndef EDDY_KVS_CLUSTER_STATE_CRDT_H_
#define EDDY_KVS_CLUSTER_STATE_CRDT_H_

#include "kvs/cluster_state/field_resolvers.h"  // IWYU pragma: export
#include "kvs/cluster_state/lww_map.h"          // IWYU pragma: export
#include "kvs/cluster_state/lww_register.h"     // IWYU pragma: export
#include "kvs/cluster_state/or_set.h"           // IWYU pragma: export
#include "kvs/cluster_state/stamp.h"            // IWYU pragma: export

#endif  // EDDY_KVS_CLUSTER_STATE_CRDT_H_
