# Run as: cmake -DCOMPILER=... -DSOURCE=... -DINCLUDE_DIR=... -DMESSAGE=regex -P CheckCompileFails.cmake
# Succeeds only when SOURCE fails to compile and the diagnostics match MESSAGE.
execute_process(
  COMMAND ${COMPILER} -std=c++20 -fsyntax-only -I${INCLUDE_DIR} ${SOURCE}
  RESULT_VARIABLE result
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)
if(result EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must be rejected")
endif()
if(NOT "${out}${err}" MATCHES "${MESSAGE}")
  message(FATAL_ERROR "${SOURCE} was rejected, but not with a message matching '${MESSAGE}':\n${err}")
endif()
message(STATUS "rejected as expected: ${MESSAGE}")
