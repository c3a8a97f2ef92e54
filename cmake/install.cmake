# `cmake --install`: execbench as a CMake package, so that a project of its own can
#   find_package(execbench CONFIG REQUIRED)
#   target_link_libraries(my_bench PRIVATE execbench::bench)
# implement the runtime concept for its executor and run every preset and primitive on it
# (examples/own_runtime/). Installed: the libraries and their headers, the presets, the
# execbench and execbench-report programs, and the package's config and version files.
include(CMakePackageConfigHelpers)

# The loop alone (and the options it carries) in an export set of its own, so that a project
# asking for the component `loop` needs neither Boost nor oneTBB (execbench-config.cmake.in).
install(TARGETS execbench_options execbench_loop EXPORT execbench_loop_targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
set(execbench_install_targets execbench_runtime execbench_workloads execbench_reports)
if(TARGET execbench_bench)
  list(APPEND execbench_install_targets execbench_bench)
endif()
install(TARGETS ${execbench_install_targets} EXPORT execbench_targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
foreach(component runtime workloads reports bench)
  if(EXISTS ${PROJECT_SOURCE_DIR}/${component}/include AND TARGET execbench_${component})
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/${component}/include/
            DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  endif()
endforeach()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/workloads/presets/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/execbench/presets)
foreach(program execbench execbench-report)
  if(TARGET ${program})
    install(TARGETS ${program} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endforeach()

set(execbench_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/execbench)
install(EXPORT execbench_loop_targets NAMESPACE execbench:: FILE execbench-loop-targets.cmake
        DESTINATION ${execbench_cmake_dir})
install(EXPORT execbench_targets NAMESPACE execbench:: FILE execbench-targets.cmake
        DESTINATION ${execbench_cmake_dir})
if(TARGET execbench_testing)
  install(TARGETS execbench_testing EXPORT execbench_testing_targets)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/tests/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT execbench_testing_targets NAMESPACE execbench::
          FILE execbench-testing-targets.cmake DESTINATION ${execbench_cmake_dir})
endif()
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/execbench-config.cmake.in
                              ${PROJECT_BINARY_DIR}/execbench-config.cmake
                              INSTALL_DESTINATION ${execbench_cmake_dir}
                              PATH_VARS CMAKE_INSTALL_DATADIR)
# 0.x: a minor version may change the runtime concept, so only the same minor version matches.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/execbench-config-version.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/execbench-config.cmake
              ${PROJECT_BINARY_DIR}/execbench-config-version.cmake
        DESTINATION ${execbench_cmake_dir})
