#!/usr/bin/env bash
# examples/own_runtime against execbench as installed from this build: install the package into
# a temporary prefix, configure and build the example with find_package(execbench), run the
# typed runtime suite over its runtime, and one preset in a quick run whose report must hold the
# runtime's rows, measured and verified.
#   own_runtime_check.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
source "$(dirname "$0")/installed_example.sh"
build_installed_example "$1" "$2" own_runtime
"$work/build/own_runtime_suite" --gtest_brief=1
"$work/build/own_bench" --benchmark_filter='^cpu_fanout/' --workers=2 --quick \
  --benchmark_out="$work/report.json" --benchmark_out_format=json >/dev/null
/usr/bin/python3 - "$work/report.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["benchmarks"]
names = [r["name"] for r in rows]
want = "cpu_fanout/work_stealing/workers:2/process_time/real_time"
assert names == [want], f"expected only {want}, got {names}"
row = rows[0]
assert not row.get("error_occurred"), row.get("error_message")
assert row["tasks_per_s"] > 0 and 0 < row["efficiency"] <= 1, row
print(f"own_bench: {want}: {row['tasks_per_s']:.0f} tasks/s, efficiency {row['efficiency']:.2f}")
PY
