# execbench::options: the language level, warnings and sanitizers every execbench target uses.
add_library(execbench_options INTERFACE)
add_library(execbench::options ALIAS execbench_options)
set_target_properties(execbench_options PROPERTIES EXPORT_NAME options)
target_compile_features(execbench_options INTERFACE cxx_std_20)
# Warnings for execbench's own build only: a project using the installed package keeps its own.
target_compile_options(execbench_options INTERFACE
  $<BUILD_INTERFACE:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                    -Wno-missing-field-initializers>)
if(EXECBENCH_SANITIZE)
  # -g1: line tables, enough for the sanitizers' stack traces to name file and line.
  set(_sanitize_flags -fsanitize=${EXECBENCH_SANITIZE} -fno-sanitize-recover=all
                      -fno-omit-frame-pointer -g1)
  target_compile_options(execbench_options INTERFACE ${_sanitize_flags})
  target_link_options(execbench_options INTERFACE ${_sanitize_flags})
  if(EXECBENCH_SANITIZE MATCHES "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # Boost.Asio's std_fenced_block uses std::atomic_thread_fence, which TSan does not model;
    # GCC warns at every place it is inlined (dozens per build) although nothing of ours is
    # involved: our own code uses no fences.
    target_compile_options(execbench_options INTERFACE -Wno-tsan)
  endif()
endif()
