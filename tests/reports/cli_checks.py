#!/usr/bin/python3
"""execbench-report run as a program on the fixtures: exit statuses, one-line errors, no output
file left behind on bad input, the Markdown output against its golden file, every format.

Usage: cli_checks.py EXECBENCH_REPORT DATA_DIR WORK_DIR"""

import json
import os
import subprocess

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


# Bad input: each one names the file, exits 2 and writes no output file (nor a temporary).
os.makedirs(os.path.join(work, "a_directory"), exist_ok=True)
for name, problem in [("missing.json", "no such file"), (os.path.join(work, "a_directory"), "directory"),
                      ("bad_empty.json", "empty"), ("bad_not_json.json", "not JSON"),
                      ("bad_truncated.json", "truncated"),
                      ("bad_no_benchmarks.json", "benchmarks"),
                      ("bad_no_rows.json", "no benchmark rows")]:
    for side in ("base", "new"):
        out = os.path.join(work, f"out_{side}.md")
        args = [name, "new.json"] if side == "base" else ["base.json", name]
        result = run("compare", "--format", "markdown", "--output", out, *args)
        one_line_error(result, f"compare with {side} {os.path.basename(name)}", name)
        check(problem in result.stderr, f"compare with {side} {os.path.basename(name)}: says {problem!r}")
        check(not os.path.exists(out), f"compare with {side} {os.path.basename(name)}: no output file")
    out = os.path.join(work, "summary.md")
    result = run("summary", "--output", out, name)
    one_line_error(result, f"summary of {os.path.basename(name)}", name)
    check(not os.path.exists(out), f"summary of {os.path.basename(name)}: no output file")
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

finish()
