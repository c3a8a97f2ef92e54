#!/usr/bin/python3
"""execbench-report run as a program on the fixtures: exit statuses, one-line errors, no output
file left behind on bad input, the Markdown output against its golden file, every format.

Usage: cli_checks.py EXECBENCH_REPORT DATA_DIR WORK_DIR"""

import json
import os
import re
import subprocess

from bad_reports import write_bad_reports, write_unusual_reports
from checks_common import arguments, check, finish

binary, data, work = arguments(3)


def run(*args):
    # From data/ so that the file names printed are the relative ones of the golden files.
    return subprocess.run([binary, *args], cwd=data, capture_output=True, text=True)


def one_line_error(result, what, expected_in_message):
    check(result.returncode == 2, f"{what}: exit 2 (got {result.returncode})")
    lines = result.stderr.splitlines()
    check(len(lines) == 1, f"{what}: one line on stderr (got {lines!r})")
    check(expected_in_message in result.stderr, f"{what}: stderr names {expected_in_message!r}")
    check(result.stdout == "", f"{what}: nothing on stdout")


# Bad input (bad_reports.py's table), for every command and either side of compare: one line
# naming the file and the problem, exit 2, no output file (nor a temporary).
inputs = os.path.join(work, "inputs")
os.makedirs(inputs)
for path, problem in write_bad_reports(inputs, data):
    name = os.path.basename(path)
    for command in (["compare", "--format", "markdown", path, "new.json"],
                    ["compare", "--format", "json", "base.json", path],
                    ["summary", "--format", "markdown", path],
                    ["summary", "--format", "json", path],
                    ["tune", "--format", "json", path]):
        what = f"{' '.join(command[:3])} ... with {name}"
        out = os.path.join(work, "out.txt")
        result = run(*command[:1], "--output", out, *command[1:])
        one_line_error(result, what, path)
        check(problem in result.stderr, f"{what}: says {problem!r} ({result.stderr.strip()!r})")
        check(not os.path.exists(out), f"{what}: no output file")
out = os.path.join(work, "disjoint.md")
result = run("compare", "-o", out, "base.json", "disjoint.json")
one_line_error(result, "reports with nothing in common", "disjoint.json")
check(not os.path.exists(out), "reports with nothing in common: no output file")
check(not [f for f in os.listdir(work) if ".tmp." in f], "no temporary file left behind")

# Usage errors: one line with a hint to --help, exit 2.
for args in (["compare", "--bogus", "base.json", "new.json"],
             ["compare", "--threshold", "five", "base.json", "new.json"],
             ["compare", "--alpha", "0", "base.json", "new.json"],
             ["compare", "--metric", "no_such_metric", "base.json", "new.json"],
             ["nope"]):
    one_line_error(run(*args), "usage " + " ".join(args), "--help")

# Regression gate.
check(run("compare", "--fail-on-regression", "base.json", "new.json").returncode == 1,
      "--fail-on-regression: 20% slower row exits 1")
check(run("compare", "--fail-on-regression", "base.json", "base.json").returncode == 0,
      "--fail-on-regression: identical reports exit 0")

# Markdown against the golden file, written through --output.
out = os.path.join(work, "compare.md")
result = run("compare", "--format", "markdown", "--output", out, "base.json", "new.json")
check(result.returncode == 0 and result.stdout == "", "markdown to --output: exit 0, quiet")
with open(out) as f, open(os.path.join(data, "golden_compare.md")) as g:
    check(f.read() == g.read(), "markdown output equals golden_compare.md")
out = os.path.join(work, "summary.md")
check(run("summary", "--format", "markdown", "-o", out, "report.json").returncode == 0, "summary markdown")
with open(out) as f, open(os.path.join(data, "golden_summary.md")) as g:
    check(f.read() == g.read(), "summary output equals golden_summary.md")

# Every format; JSON parses; console has no colour when not on a terminal.
result = run("compare", "--format", "json", "base.json", "new.json")
document = json.loads(result.stdout)
check(document["regression"] is True and len(document["errored"]) == 1, "json output complete")
result = run("compare", "--format", "csv", "base_part1.json,base_part2.json", "new.json")
check(result.returncode == 0 and result.stdout.startswith("status,benchmark"), "csv output, pooled BASE")
result = run("compare", "base.json", "new.json")
check(result.returncode == 0 and "\x1b[" not in result.stdout, "console output without colour on a pipe")
check("warning: context mismatch: boost_version" in result.stdout.split("benchmark ")[0],
      "context mismatch warned before the table")
result = run("compare", "--color", "always", "base.json", "new.json")
check("\x1b[31m" in result.stdout, "--color always colours the console table")
result = run("compare", "--format", "markdown", "--color", "always", "base.json", "new.json")
check("\x1b[" not in result.stdout, "markdown is never coloured")
result = run("compare", "--help")
check(result.returncode == 0 and "--base" in result.stdout and "Hodges-Lehmann" in result.stdout,
      "compare --help documents pooling and statistics")

# Unusual but good reports are accepted: aggregates only (--benchmark_report_aggregates_only),
# and an interrupted run, which summary says at the top of every format and compare warns of.
unusual = write_unusual_reports(inputs, data)
result = run("compare", "--format", "json", unusual["aggregates_only"], "new.json")
check(result.returncode in (0, 1) and json.loads(result.stdout or "{}").get("rows"),
      f"compare of an aggregates-only BASE: accepted ({result.stderr.strip()!r})")
result = run("summary", unusual["aggregates_only"])
check(result.returncode == 0 and "web_request" in result.stdout,
      f"summary of an aggregates-only report: accepted ({result.stderr.strip()!r})")
for what in ("interrupted", "interrupted_string"):
    for fmt in ("console", "markdown"):
        result = run("summary", "--format", fmt, unusual[what])
        head = result.stdout.split("Report:")[0]
        check(result.returncode == 0 and head.count("INTERRUPTED RUN") == 1,
              f"summary --format {fmt} of {what}: one line near the top says so")
    result = run("summary", "--format", "json", unusual[what])
    check(result.returncode == 0 and json.loads(result.stdout).get("interrupted") is True,
          f"summary --format json of {what}: \"interrupted\": true")
    result = run("compare", "report.json", unusual[what])
    check(result.returncode == 0 and "is an interrupted run" in result.stdout.split("benchmark ")[0],
          f"compare with {what}: warned before the table")
result = run("summary", "--format", "json", "report.json")
check(json.loads(result.stdout).get("interrupted") is False, "summary --format json: interrupted false")
check("INTERRUPTED" not in run("summary", "report.json").stdout, "summary: no interrupted line")

# Figures for people in every console and Markdown output (issue 15): never e-notation such as
# 1.786e+04 or 4.1e-05, never printf's inf or nan.
people = re.compile(r"\d[eE][+-]\d|\binf\b|\bnan\b", re.IGNORECASE)
for args in (["compare", "base.json", "new.json"], ["compare", "--format", "markdown", "base.json", "new.json"],
             ["compare", "base_single.json", "new_single.json"],
             ["summary", "report.json"], ["summary", "--format", "markdown", "report.json"],
             ["tune", "sweep.json"], ["tune", "--format", "markdown", "sweep.json"],
             ["tune", "sweep_ranges.json"], ["tune", "sweep_partly_bad.json"]):
    result = run(*args)
    found = people.search(result.stdout)
    check(result.returncode in (0, 1) and found is None,
          f"{' '.join(args)}: figures for people ({found.group(0) if found else ''!r})")

# No escape byte on a pipe, whatever the command and format, with NO_COLOR=1 or without it.
for env in ({}, {"NO_COLOR": "1"}):
    for args in (["compare", "base.json", "new.json"], ["summary", "report.json"],
                 ["summary", "--format", "markdown", "report.json"], ["tune", "sweep.json"],
                 ["compare", "--format", "csv", "base.json", "new.json"]):
        result = subprocess.run([binary, *args], cwd=data, capture_output=True,
                                env={**os.environ, **env})
        check(result.returncode == 0 and b"\x1b" not in result.stdout + result.stderr,
              f"{' '.join(args)} on a pipe{' with NO_COLOR=1' if env else ''}: no escape byte")

finish()
