# Runs the execbench binary the way a user would and checks what it did, for ctest:
#   cmake -DEXECBENCH=<binary> -DMODE=<mode> -DARGS=a|b|c [...] -P check_execbench.cmake
# MODE list:        --benchmark_list_tests; every name in ROWS (|-separated) is listed, and none
#                   in ABSENT_ROWS.
# MODE json:        --benchmark_out in JSON; it parses, has every key in CONTEXT_KEYS in its
#                   context, at least one benchmark, no errored one, and every counter in
#                   COUNTERS on each; with ROWS, every name in it (|-separated) is a benchmark.
# MODE calibration_cache: two runs with ARGS and an empty EXECBENCH_CACHE_DIR: the first
#                   measures and caches the calibration, the second takes it from the cache.
# MODE compare:     two runs with ARGS, then COMPARE (Google Benchmark's compare.py, run with
#                   PYTHON) `benchmarks A.json B.json`: it must read both and exit 0.
cmake_minimum_required(VERSION 3.25)

string(REPLACE "|" ";" args "${ARGS}")

function(fail message)
  message(FATAL_ERROR "check_execbench (${MODE}): ${message}")
endfunction()

if(MODE STREQUAL "list")
  execute_process(COMMAND ${EXECBENCH} ${args} --benchmark_list_tests=true
                  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
  if(NOT status EQUAL 0)
    fail("exit status ${status}; stderr: ${err}")
  endif()
  string(REPLACE "\n" ";" listed "${out}")
  string(REPLACE "|" ";" rows "${ROWS}")
  foreach(row IN LISTS rows)
    if(NOT row IN_LIST listed)
      fail("row '${row}' is not listed; listed:\n${out}")
    endif()
  endforeach()
  string(REPLACE "|" ";" absent "${ABSENT_ROWS}")
  foreach(row IN LISTS absent)
    if(row IN_LIST listed)
      fail("row '${row}' is listed but should not be")
    endif()
  endforeach()

elseif(MODE STREQUAL "json")
  string(MD5 run_id "${ARGS}")  # one file per test: ctest may run them side by side
  set(report "${WORK_DIR}/check_execbench_${run_id}.json")
  file(REMOVE "${report}")
  execute_process(COMMAND ${EXECBENCH} ${args} --benchmark_out=${report}
                          --benchmark_out_format=json
                  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 300)
  if(NOT status EQUAL 0)
    fail("exit status ${status}; stderr: ${err}")
  endif()
  file(READ "${report}" json)
  # Google Benchmark writes non-finite counters as bare NaN and Infinity (W/C of a workload that
  # only waits is infinite), which CMake's JSON parser refuses.
  string(REGEX REPLACE ": (-?Infinity|-?NaN)" ": null" json "${json}")
  string(JSON context ERROR_VARIABLE json_error GET "${json}" context)
  if(json_error)
    fail("no context in ${report}: ${json_error}")
  endif()
  string(REPLACE "|" ";" keys "${CONTEXT_KEYS}")
  foreach(key IN LISTS keys)
    string(JSON value ERROR_VARIABLE json_error GET "${context}" ${key})
    if(json_error OR value STREQUAL "")
      fail("context key '${key}' missing or empty")
    endif()
  endforeach()
  string(JSON count ERROR_VARIABLE json_error LENGTH "${json}" benchmarks)
  if(json_error OR count EQUAL 0)
    fail("no benchmarks in ${report}")
  endif()
  string(REPLACE "|" ";" counters "${COUNTERS}")
  math(EXPR last "${count} - 1")
  foreach(i RANGE ${last})
    string(JSON name GET "${json}" benchmarks ${i} name)
    string(JSON errored ERROR_VARIABLE no_error GET "${json}" benchmarks ${i} error_occurred)
    if(NOT no_error AND errored)
      string(JSON message GET "${json}" benchmarks ${i} error_message)
      fail("${name} failed: ${message}")
    endif()
    foreach(counter IN LISTS counters)
      string(JSON value ERROR_VARIABLE json_error GET "${json}" benchmarks ${i} ${counter})
      if(json_error)
        fail("${name} has no counter '${counter}'")
      endif()
    endforeach()
  endforeach()

  string(REPLACE "|" ";" rows "${ROWS}")
  foreach(row IN LISTS rows)
    string(FIND "${json}" "\"name\": \"${row}\"" at)
    if(at EQUAL -1)
      fail("row '${row}' is not in ${report}")
    endif()
  endforeach()

elseif(MODE STREQUAL "compare")
  foreach(side a b)
    set(report_${side} "${WORK_DIR}/check_execbench_compare_${side}.json")
    file(REMOVE "${report_${side}}")
    execute_process(COMMAND ${EXECBENCH} ${args} --benchmark_out=${report_${side}}
                            --benchmark_out_format=json
                    RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 300)
    if(NOT status EQUAL 0)
      fail("exit status ${status}; stderr: ${err}")
    endif()
  endforeach()
  execute_process(COMMAND ${PYTHON} ${COMPARE} benchmarks ${report_a} ${report_b}
                  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
  if(NOT status EQUAL 0)
    fail("compare.py exit status ${status}; stdout: ${out}; stderr: ${err}")
  endif()
  string(REPLACE "|" ";" rows "${ROWS}")
  foreach(row IN LISTS rows)
    string(FIND "${out}" "${row}" at)
    if(at EQUAL -1)
      fail("compare.py did not compare '${row}':\n${out}")
    endif()
  endforeach()

elseif(MODE STREQUAL "calibration_cache")
  # Two quick runs with an empty cache directory: the first measures the calibration and caches
  # it, the second takes the cache, and both do the same work (the same speeds in the context).
  set(cache "${WORK_DIR}/calibration_cache")
  file(REMOVE_RECURSE "${cache}")
  foreach(run first second)
    set(report_${run} "${WORK_DIR}/check_execbench_cache_${run}.json")
    execute_process(COMMAND ${CMAKE_COMMAND} -E env EXECBENCH_CACHE_DIR=${cache}
                            ${EXECBENCH} ${args} --benchmark_out=${report_${run}}
                            --benchmark_out_format=json
                    RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 300)
    if(NOT status EQUAL 0)
      fail("${run} run: exit status ${status}; stderr: ${err}")
    endif()
    file(READ "${report_${run}}" json)
    string(REGEX REPLACE ": (-?Infinity|-?NaN)" ": null" json "${json}")
    string(JSON source_${run} GET "${json}" context calibration_source)
    string(JSON spin_${run} GET "${json}" context calibration_ns_per_iteration_spin)
  endforeach()
  if(NOT source_first MATCHES "^measured \\(cached in ${cache}/calibration-")
    fail("first run: calibration_source '${source_first}', expected measured and cached")
  endif()
  if(NOT source_second MATCHES "^cache ${cache}/calibration-")
    fail("second run: calibration_source '${source_second}', expected the cache")
  endif()
  if(NOT spin_first STREQUAL spin_second)
    fail("the runs did different work: spin at ${spin_first} and ${spin_second} ns per iteration")
  endif()

else()
  fail("unknown MODE")
endif()
