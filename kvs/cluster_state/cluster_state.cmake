# kvs/cluster_state: the data layer of the replicated cluster-state tables -- CRDT fields,
# records, the ClusterState replica with its delta sync, queries over a snapshot, and its
# persistence (snapshot + write-ahead log) and export (JSON lines, CSV)
# (DESIGN.md section 5). Independent of the dataflow engine: the sync flows that carry its deltas
# live above it. Included from kvs/CMakeLists.txt.
add_library(eddy_kvs_cluster_state
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_state/change_index.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_state/cluster_state.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_state/cluster_state_sync.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_state/delta.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_state/export.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_state/op_result.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_state/persistence.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_state/queries.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_state/records.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_state/table_totals.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_state/types.cc
)
add_library(eddy::kvs_cluster_state ALIAS eddy_kvs_cluster_state)
set_target_properties(eddy_kvs_cluster_state PROPERTIES EXPORT_NAME kvs_cluster_state)
target_include_directories(eddy_kvs_cluster_state PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>)
target_compile_features(eddy_kvs_cluster_state PUBLIC cxx_std_20)
target_link_libraries(eddy_kvs_cluster_state
  PUBLIC eddy::kvs_lattices eddy::kvs_records absl::flat_hash_map absl::status absl::statusor
         absl::strings
         cereal::cereal)
eddy_set_warnings(eddy_kvs_cluster_state)

eddy_add_test(NAME cluster_state_test LABELS unit LIBS eddy::kvs_cluster_state SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_state/cluster_state_test.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_state/crdt_test.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_state/export_test.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_state/persistence_test.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_state/queries_test.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_state/records_test.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_state/sync_test.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_state/table_totals_test.cc
)
