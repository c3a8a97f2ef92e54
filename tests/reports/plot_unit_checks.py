#!/usr/bin/python3
"""scripts/plot.py's functions checked directly, without running it as a program: the figures
it writes for people against every case of data/number_formats.json (the rule the summaries of
execbench-report follow too); the range it draws around every point against the one
`execbench-report summary --format json` gives the same rows (the page draws every worker count,
the summary gives each runtime's best).

Usage: plot_unit_checks.py PLOT_PY EXECBENCH_REPORT DATA_DIR WORK_DIR"""

import importlib.util
import json
import math
import os
import subprocess

from checks_common import arguments, check, finish

plot_path, binary, data, work = arguments(4)
spec = importlib.util.spec_from_file_location("plot", plot_path)
plot = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plot)

# Every case of the shared table, in both kinds.
with open(os.path.join(data, "number_formats.json"), encoding="utf-8") as f:
    table = json.load(f)
check(len(table["cases"]) >= 20, f"number_formats.json has its cases ({len(table['cases'])})")
for case in table["cases"]:
    format_function = plot.format_count if case["kind"] == "count" else plot.format_duration
    got = format_function(case["value"], case["unit"])
    check(got == case["text"], f"{case['kind']} {case['value']!r} {case['unit']!r}: "
                               f"{case['text']!r} (got {got!r})")
# Rounding that crosses a boundary moves to the next form.
for value, unit, text in ((999.6, "", "1,000"), (999999.5, "/s", "1 M/s"),
                          (999.96, "us", "1 ms"), (999.96, "ns", "1 µs")):
    function = plot.format_duration if unit in ("us", "ns") else plot.format_count
    got = function(value, unit)
    check(got == text, f"{value!r} {unit!r} rounds across the boundary: {text!r} (got {got!r})")

# Ranges of a median: plot.py's (every point of the page) and summary's (the answer) agree.
for name in ("report.json", "summary_ranges.json", "summary_quick.json"):
    path = os.path.join(data, name)
    result = subprocess.run([binary, "summary", "--format", "json", path], capture_output=True,
                            text=True)
    check(result.returncode == 0, f"summary {name}: exit 0 ({result.stderr.strip()})")
    if result.returncode != 0:
        continue
    rows = {r["name"]: r for r in plot.benchmarks(plot.read_report(path))}
    compared = 0
    for workload in json.loads(result.stdout)["workloads"]:
        for expected in workload["rows"]:
            row = rows[expected["name"]]
            for metric, key in (("tasks_per_s", "tasks_per_s"), ("lat_p99_us", "p99_us"),
                                ("efficiency", "efficiency")):
                if not expected.get(key):
                    continue
                median, low, high, n, kind = plot.row_range(row, metric)
                want = expected[key]
                same = (n == want["n"] and kind == want["range"] and all(
                    math.isclose(a, b, rel_tol=1e-9) for a, b in
                    ((median, want["median"]), (low, want["low"]), (high, want["high"]))))
                check(same, f"{name}: {expected['name']} {metric}: median {want['median']:.6g} "
                            f"[{want['low']:.6g}, {want['high']:.6g}] n={want['n']} "
                            f"{want['range']} (got {median:.6g} [{low:.6g}, {high:.6g}] n={n} {kind})")
                compared += 1
    check(compared > 0, f"{name}: ranges compared ({compared})")

finish()
