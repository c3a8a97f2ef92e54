#!/usr/bin/python3
"""`execbench-report summary` run as a program on the summary fixtures (made by
data/make_summary_fixtures.py, where the answers are worked out): the JSON shape and its
answers, the console's ties, n = 1 and open-loop marks, the quick-run line in every format, and
bad input with --format json (exit 2, one line naming the file, no output file).

Usage: summary_checks.py EXECBENCH_REPORT DATA_DIR WORK_DIR"""

import json
import os
import subprocess

from checks_common import arguments, check, finish

binary, data, work = arguments(3)


def summary(*args):
    return subprocess.run([binary, "summary", *args], cwd=data, capture_output=True, text=True)


# JSON: one object with the workloads, each with the keys of docs/design.md, "summary: ranking with
# ties", in rank order.
result = summary("--format", "json", "summary_ranges.json")
check(result.returncode == 0, f"summary --format json: exit 0 ({result.stderr.strip()})")
document = json.loads(result.stdout) if result.returncode == 0 else {"workloads": []}
check(document.get("quick") is False and document.get("file") == "summary_ranges.json",
      "JSON: file and quick at the top")
workloads = {w["workload"]: w for w in document["workloads"]}
check(list(workloads) == ["open_work", "single_work", "tie_work"], f"three workloads, by name ({list(workloads)})")
for name, w in workloads.items():
    check(all(k in w for k in ("workload", "rank_by", "best", "rows")), f"{name}: workload keys")
    for row in w["rows"]:
        check(all(k in row for k in ("name", "runtime", "workers", "median", "low", "high", "n")),
              f"{name}/{row.get('runtime')}: row keys")
tie = workloads.get("tie_work", {"best": [], "rows": []})
check(tie["best"] == ["tie_work/loop/workers:1/process_time/real_time",
                      "tie_work/asio/workers:1/process_time/real_time"],
      f"tie_work: loop and asio tied, both best ({tie['best']})")
check([(r["median"], r["low"], r["high"], r["n"]) for r in tie["rows"][:1]] == [(1004, 1001, 1007, 9)],
      "tie_work: loop 1004 [1001, 1007], n = 9 (ranks 2 and 8)")
open_work = workloads.get("open_work", {"rows": []})
check(open_work.get("rank_by") == "lat_p99_us" and open_work.get("open_loop") is True
      and open_work["rows"][0]["runtime"] == "asio", "open_work: ranked by p99, asio first")
check([r["behind_rate"] for r in open_work["rows"]] == [False, False, True],
      "open_work: thread_pool fell behind the rate")

# Console: ties, n = 1, the open loop's flag; no exponent notation.
result = summary("summary_ranges.json")
check("loop (1) ≈ asio (1)" in result.stdout, "console: loop ≈ asio")
check("100 (n=1, no range)" in result.stdout, "console: n = 1 marked")
check("behind the offered rate" in result.stdout, "console: behind the rate flagged")
check("e+0" not in result.stdout, "console: numbers for people")
# The run's build and the harness library's (Debian's libbenchmark calls itself "debug").
for fmt in ("console", "markdown"):
    result = summary("--format", fmt, "summary_ranges.json")
    check("a Release build" in result.stdout.split("Figures are")[0]
          and "reports its own library as a debug build (library_build_type)" in result.stdout
          and "which is a Release build (build_type)" in result.stdout,
          f"{fmt}: the library's debug build said apart from the run's Release build")

# Quick runs are said at the top of every format.
for fmt in ("console", "markdown"):
    result = summary("--format", fmt, "summary_quick.json")
    check("QUICK RUN (--quick)" in result.stdout.split("Report:")[0], f"{fmt}: quick run said first")
result = summary("--format", "json", "summary_quick.json")
check(result.returncode == 0 and json.loads(result.stdout)["quick"] is True, "json: quick true")

# Bad input and usage: exit 2, one line, nothing written.
for name, problem in [("missing.json", "no such file"), ("bad_empty.json", "empty"),
                      ("bad_not_json.json", "not JSON")]:
    out = os.path.join(work, "summary.json")
    result = summary("--format", "json", "-o", out, name)
    lines = result.stderr.splitlines()
    check(result.returncode == 2 and len(lines) == 1 and name in lines[0] and problem in lines[0],
          f"summary --format json {name}: exit 2, one line naming it ({lines!r})")
    check(not os.path.exists(out), f"summary --format json {name}: no output file")
result = summary("--format", "xml", "summary_ranges.json")
check(result.returncode == 2 and "console, markdown, json" in result.stderr, "--format xml: usage error")

finish()
