# Every dependency comes from a Debian package; a missing one stops the configure step with the
# package to install (scripts/bootstrap installs them all).
function(execbench_require package debian_package)
  find_package(${package} ${ARGN} CONFIG QUIET)
  if(NOT ${package}_FOUND)
    message(FATAL_ERROR
      "execbench: ${package} not found. Install the Debian package '${debian_package}' "
      "(apt-get install ${debian_package}, or run scripts/bootstrap).")
  endif()
endfunction()

set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
execbench_require(Boost libboost-dev 1.74 COMPONENTS headers)
execbench_require(TBB libtbb-dev)
execbench_require(nlohmann_json nlohmann-json3-dev)
# liburing ships a pkg-config file, not a CMake package.
find_package(PkgConfig REQUIRED)
pkg_check_modules(liburing QUIET IMPORTED_TARGET GLOBAL liburing)
if(NOT liburing_FOUND)
  message(FATAL_ERROR "execbench: liburing not found. Install the Debian package 'liburing-dev' "
                      "(apt-get install liburing-dev, or run scripts/bootstrap).")
endif()
if(EXECBENCH_BUILD_BENCH)
  execbench_require(benchmark libbenchmark-dev)
endif()
if(EXECBENCH_BUILD_TESTS)
  execbench_require(GTest libgtest-dev)
endif()
