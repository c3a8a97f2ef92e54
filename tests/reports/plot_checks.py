#!/usr/bin/python3
"""scripts/plot.py run on the report fixtures: every command writes non-empty PNG and SVG files
(or the HTML page) and prints their paths; bad input (bad_reports.py's table) exits 2 with one
line naming the file and the problem and writes nothing; a file that cannot be written leaves
none of a command's files; --help prints its help and nothing else.

Usage: plot_checks.py PLOT_PY EXECBENCH_REPORT DATA_DIR WORK_DIR"""

import os
import subprocess

from bad_reports import write_bad_reports, write_unusual_reports
from checks_common import arguments, check, finish

plot, binary, data, work = arguments(4)


def run(*args):
    return subprocess.run(["/usr/bin/python3", plot, *args], capture_output=True, text=True)


def expect_files(result, what, names, out):
    check(result.returncode == 0, f"{what}: exit 0 (got {result.returncode}: {result.stderr.strip()[-300:]})")
    printed = result.stdout.split()
    for name in names:
        path = os.path.join(out, name)
        check(os.path.isfile(path) and os.path.getsize(path) > 0, f"{what}: {name} written, non-empty")
        check(path in printed, f"{what}: {name} path printed")
        if name.endswith(".png") and os.path.isfile(path):
            with open(path, "rb") as f:
                check(f.read(8) == b"\x89PNG\r\n\x1a\n", f"{what}: {name} is a PNG")
        if name.endswith(".svg") and os.path.isfile(path):
            with open(path) as f:
                check("<svg" in f.read(), f"{what}: {name} is an SVG")


report = os.path.join(data, "report.json")
base, new = os.path.join(data, "base.json"), os.path.join(data, "new.json")
for command in ("runtimes", "scaling", "latency"):
    out = os.path.join(work, command)
    expect_files(run(command, report, "-o", out), command, [f"{command}.png", f"{command}.svg"], out)
out = os.path.join(work, "compare")
expect_files(run("compare", base, new, "-o", out, "--report-bin", binary), "compare",
             ["compare.png", "compare.svg"], out)
out = os.path.join(work, "compare_tasks")
expect_files(run("compare", base, new, "-o", out, "--report-bin", binary, "--metric", "tasks_per_s",
                 "--formats", "svg"), "compare --metric tasks_per_s", ["compare.svg"], out)
out = os.path.join(work, "html")
expect_files(run("html", report, "-o", out), "html", ["report.html"], out)
out = os.path.join(work, "html_base")
expect_files(run("html", new, base, "-o", out, "--report-bin", binary), "html with BASE",
             ["report.html"], out)
for directory, images in (("html", 3), ("html_base", 4)):
    path = os.path.join(work, directory, "report.html")
    if os.path.isfile(path):
        with open(path) as f:
            page = f.read()
        check(page.count("data:image/svg+xml;base64,") == images,
              f"{directory}: {images} embedded SVG charts")
        check("Summary" in page and "<table>" in page, f"{directory}: summary table")
        check("src='http" not in page and 'src="http' not in page, f"{directory}: self-contained")

# Bad input (bad_reports.py's table, as cli_checks.py runs it over execbench-report): one line
# naming the file and the problem, exit 2, nothing written, not even the output directory.
inputs = os.path.join(work, "inputs")
os.makedirs(inputs)
for path, problem in write_bad_reports(inputs, data):
    for command in (["scaling", path], ["compare", path, new, "--report-bin", binary],
                    ["html", report, path, "--report-bin", binary], ["html", path]):
        out = os.path.join(work, "bad")
        result = run(*command, "-o", out)
        what = f"{command[0]} with {os.path.basename(path)}"
        lines = result.stderr.strip().splitlines()
        check(result.returncode == 2, f"{what}: exit 2 (got {result.returncode})")
        check(len(lines) == 1 and path in lines[0] and problem in lines[0],
              f"{what}: one line naming the file and {problem!r} ({lines!r})")
        check(not os.path.exists(out), f"{what}: nothing written")
for what, path in write_unusual_reports(inputs, data).items():
    out = os.path.join(work, what)
    expect_files(run("scaling", path, "-o", out, "--formats", "svg"), f"scaling of {what}",
                 ["scaling.svg"], out)

# Whole or nothing: when one of a command's files cannot be written, none is.
out = os.path.join(work, "half")
os.makedirs(os.path.join(out, "latency.svg"))  # a directory where the SVG should go
result = run("latency", report, "-o", out)
check(result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1,
      f"latency with an unwritable SVG: exit 2, one line ({result.stderr.strip()!r})")
check(sorted(os.listdir(out)) == ["latency.svg"], f"latency with an unwritable SVG: no PNG, no "
      f"temporary ({sorted(os.listdir(out))})")

result = run("--help")
check(result.stderr == "" and result.returncode == 0 and all(c in result.stdout for c in ("runtimes", "scaling", "latency",
                                                                  "compare", "html")),
      "--help lists every command")

finish()
