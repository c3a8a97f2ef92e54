# A forgotten co_await does not compile under -Werror=unused-result
# (compile/forgotten_co_await.cpp): the file compiles as it is (the control), and fails naming the
# [[nodiscard]] awaitable for each of FORGET=1, 2 and 3. Run by ctest with -DCXX=... -DSOURCE=... "-DINCLUDES=a;b" -DWORK_DIR=...
file(MAKE_DIRECTORY ${WORK_DIR})
set(include_flags)
foreach(dir IN LISTS INCLUDES)
  list(APPEND include_flags -I${dir})
endforeach()
foreach(forget 0 1 2 3)
  execute_process(COMMAND ${CXX} -std=c++20 -fsyntax-only -Wall -Werror=unused-result
                          ${include_flags} -DFORGET=${forget} ${SOURCE}
                  RESULT_VARIABLE status ERROR_VARIABLE err OUTPUT_QUIET TIMEOUT 120)
  if(forget EQUAL 0)
    if(NOT status EQUAL 0)
      message(FATAL_ERROR "the control does not compile (status ${status}):\n${err}")
    endif()
  elseif(status EQUAL 0)
    message(FATAL_ERROR "FORGET=${forget}: a forgotten co_await compiled")
  elseif(NOT err MATCHES "nodiscard")
    message(FATAL_ERROR "FORGET=${forget}: failed, but not for the discarded awaitable:\n${err}")
  endif()
endforeach()
