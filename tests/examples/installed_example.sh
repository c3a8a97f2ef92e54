# Sourced by the example checks: build_installed_example BUILD_DIR SOURCE_DIR NAME [CMAKE_ARG...]
# installs this build's package into a temporary prefix and configures and builds
# examples/NAME against it (find_package(execbench)), in Release, with any extra configure
# arguments. Sets `work`, the temporary tree (the example's build is $work/build), which goes
# when the script exits.
build_installed_example() {
  local build_dir=$1 source_dir=$2 name=$3
  shift 3
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
  cmake -S "$source_dir/examples/$name" -B "$work/build" -G Ninja \
        -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix" "$@" >/dev/null
  cmake --build "$work/build" -j "$(nproc 2>/dev/null || echo 2)"
}
