#!/usr/bin/env bash
# examples/asyncio_article against execbench as installed from this build, asking for the loop
# alone (find_package(execbench COMPONENTS loop)) with Boost and oneTBB made unfindable: the
# loop stands on its own. Then one of its programs runs.
#   asyncio_article_standalone.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
source "$(dirname "$0")/installed_example.sh"
build_installed_example "$1" "$2" asyncio_article \
  -DCMAKE_DISABLE_FIND_PACKAGE_Boost=ON -DCMAKE_DISABLE_FIND_PACKAGE_TBB=ON
# Nothing of Boost's or oneTBB's reached the link.
if grep -rqiE 'boost|tbb' "$work/build/build.ninja"; then
  echo "the loop alone still pulls in Boost or oneTBB:" >&2
  grep -iE 'boost|tbb' "$work/build/build.ninja" | head -5 >&2
  exit 1
fi
out=$("$work/build/run_until_complete")
[[ $out == "result 42" ]] || { echo "run_until_complete printed: $out" >&2; exit 1; }
echo "the article's programs build against execbench::loop alone; run_until_complete: $out"
