# eddy::kvs_protocol: the RESP2 codec the coordinator speaks to Redis clients (kvs/protocol).
add_library(eddy_kvs_protocol
  ${CMAKE_CURRENT_SOURCE_DIR}/protocol/internal/resp_input.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/protocol/resp.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/protocol/resp_parser.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/protocol/resp_reply_parser.cc
)
add_library(eddy::kvs_protocol ALIAS eddy_kvs_protocol)
set_target_properties(eddy_kvs_protocol PROPERTIES EXPORT_NAME kvs_protocol)
target_include_directories(eddy_kvs_protocol PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>)
target_compile_features(eddy_kvs_protocol PUBLIC cxx_std_20)
target_link_libraries(eddy_kvs_protocol PUBLIC absl::status absl::statusor absl::strings)
eddy_set_warnings(eddy_kvs_protocol)

eddy_add_test(NAME kvs_resp_test LABELS unit LIBS eddy::kvs_protocol SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/protocol/internal/resp_input_test.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/protocol/internal/test_allocations.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/protocol/resp_parser_test.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/protocol/resp_reply_parser_test.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/protocol/resp_test.cc
)
