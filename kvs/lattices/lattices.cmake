# kvs/lattices: header-only lattice value types (the target eddy::kvs_lattices is defined in
# kvs/CMakeLists.txt). Tests only; testing.h uses eddy::Rng, hence eddy::dataflow.
eddy_add_test(NAME kvs_lattices_test LIBS eddy::kvs_lattices eddy::dataflow SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/lattices/causal_test.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/lattices/lattices_test.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/lattices/lww_test.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/lattices/map_union_test.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/lattices/max_test.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/lattices/set_union_test.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/lattices/vector_clock_test.cc
)
