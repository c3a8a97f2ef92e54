#!/usr/bin/python3
"""scripts/plot.py run on the report fixtures: every command writes non-empty PNG and SVG files
(or the HTML page) and prints their paths; bad input exits 2 with one line and writes nothing.

Usage: plot_checks.py PLOT_PY EXECBENCH_REPORT DATA_DIR WORK_DIR"""

import os
import subprocess

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

# Bad input: one line naming the file, exit 2, nothing written.
os.makedirs(os.path.join(work, "a_directory"), exist_ok=True)
for name in ("missing.json", os.path.join(work, "a_directory"), "bad_empty.json",
             "bad_not_json.json", "bad_truncated.json", "bad_no_benchmarks.json", "bad_no_rows.json"):
    path = name if os.path.isabs(name) else os.path.join(data, name)
    for command in (["scaling", path], ["compare", path, new, "--report-bin", binary],
                    ["html", report, path, "--report-bin", binary]):
        out = os.path.join(work, "bad")
        result = run(*command, "-o", out)
        what = f"{command[0]} with {os.path.basename(path)}"
        lines = result.stderr.strip().splitlines()
        check(result.returncode == 2, f"{what}: exit 2 (got {result.returncode})")
        check(len(lines) == 1 and path in lines[0], f"{what}: one line naming the file ({lines!r})")
        check(not os.path.exists(out) or not os.listdir(out), f"{what}: nothing written")
result = run("--help")
check(result.returncode == 0 and all(c in result.stdout for c in ("runtimes", "scaling", "latency",
                                                                  "compare", "html")),
      "--help lists every command")

finish()
