# Helper functions shared by every part of the tree.

# Compiler warnings for eddy's own targets (not for users of the installed package).
function(eddy_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(EDDY_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# eddy_add_test(NAME name SOURCES a.cc ... LIBS lib ... LABELS unit|integration|sim)
# Builds a GoogleTest binary into build/bin and registers it with ctest under its labels.
function(eddy_add_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT EDDY_BUILD_TESTS)
    return()
  endif()
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  eddy_set_warnings(${ARG_NAME})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME})
  set_tests_properties(${ARG_NAME} PROPERTIES LABELS "${ARG_LABELS}")
  if(ARG_TIMEOUT)
    # A hang guard for ctest, never a performance assertion.
    set_tests_properties(${ARG_NAME} PROPERTIES TIMEOUT ${ARG_TIMEOUT})
  endif()
endfunction()

# eddy_add_compile_fail_test(NAME name SOURCE file.cc MESSAGE regex)
# Registers a test that compiles SOURCE against eddy's headers and passes only when the
# compiler rejects it with a diagnostic matching MESSAGE.
function(eddy_add_compile_fail_test)
  cmake_parse_arguments(ARG "" "NAME;SOURCE;MESSAGE" "" ${ARGN})
  if(NOT EDDY_BUILD_TESTS)
    return()
  endif()
  get_target_property(absl_includes absl::base INTERFACE_INCLUDE_DIRECTORIES)
  add_test(NAME ${ARG_NAME}
    COMMAND ${CMAKE_COMMAND}
      -DCOMPILER=${CMAKE_CXX_COMPILER}
      -DSOURCE=${CMAKE_CURRENT_SOURCE_DIR}/${ARG_SOURCE}
      -DINCLUDE_DIR=${PROJECT_SOURCE_DIR}
      -DMESSAGE=${ARG_MESSAGE}
      -P ${PROJECT_SOURCE_DIR}/cmake/CheckCompileFails.cmake)
  set_tests_properties(${ARG_NAME} PROPERTIES LABELS unit)
endfunction()

# eddy_use_jemalloc(target): links a server binary with jemalloc (as Redis is), whose
# thread caches serve the many small strings a store allocates per request faster than glibc's
# malloc (bench/RESULTS.md). Off with -DEDDY_JEMALLOC=OFF, as the sanitizer presets are.
function(eddy_use_jemalloc target)
  if(NOT EDDY_JEMALLOC)
    return()
  endif()
  find_library(EDDY_JEMALLOC_LIBRARY NAMES jemalloc)
  if(NOT EDDY_JEMALLOC_LIBRARY)
    message(FATAL_ERROR "jemalloc not found: run tools/setup (it installs libjemalloc-dev), "
                        "or configure with -DEDDY_JEMALLOC=OFF")
  endif()
  target_link_libraries(${target} PRIVATE ${EDDY_JEMALLOC_LIBRARY})
endfunction()
