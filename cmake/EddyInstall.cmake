# Installs the public headers and a CMake package so another project can write
#   find_package(eddy REQUIRED)
#   target_link_libraries(app PRIVATE eddy::dataflow)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS eddy_dataflow EXPORT eddyTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/eddy)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/dataflow
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/eddy
  FILES_MATCHING PATTERN "*.h" PATTERN "*_test.h" EXCLUDE)
install(EXPORT eddyTargets NAMESPACE eddy:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/eddy)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/eddyConfig.cmake.in
  ${PROJECT_BINARY_DIR}/eddyConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/eddy)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/eddyConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/eddyConfig.cmake ${PROJECT_BINARY_DIR}/eddyConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/eddy)
