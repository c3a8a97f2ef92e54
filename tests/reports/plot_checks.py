#!/usr/bin/python3
"""scripts/plot.py run on the report fixtures: every command writes non-empty PNG and SVG files
(or the HTML page) and prints their paths; the page is self-contained (inline SVG with real
text and hover titles, no URL), has its answer, contents and sections with unique ids, and a
default-sized report's page stays under 600 KB; bad input (bad_reports.py's table) exits 2 with
one line naming the file and the problem and writes nothing, and so does a usage error; a file
that cannot be written leaves none of a command's files; --help prints its help and nothing
else.

Usage: plot_checks.py PLOT_PY EXECBENCH_REPORT DATA_DIR WORK_DIR"""

import json
import os
import re
import subprocess

from bad_reports import write_bad_reports, write_unusual_reports
from checks_common import arguments, check, finish, write_default_like_report

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
expect_files(run("html", report, "-o", out, "--report-bin", binary), "html", ["report.html"], out)
out = os.path.join(work, "html_base")
expect_files(run("html", base, new, "-o", out, "--report-bin", binary), "html BASE NEW",
             ["report.html"], out)
out = os.path.join(work, "html_history")
expect_files(run("html", base, new, "--history", os.path.join(data, "base_part1.json"),
                 os.path.join(data, "base_part2.json"), "-o", out, "--report-bin", binary),
             "html BASE NEW --history", ["report.html"], out)
default_like = write_default_like_report(data, os.path.join(work, "default_like.json"))
out = os.path.join(work, "html_default")
expect_files(run("html", default_like, "-o", out, "--report-bin", binary), "html of a default run",
             ["report.html"], out)


def page(directory):
    path = os.path.join(work, directory, "report.html")
    if not os.path.isfile(path):
        return ""
    with open(path, encoding="utf-8") as f:
        return f.read()


for directory in ("html", "html_base", "html_history", "html_default"):
    text = page(directory)
    charts = text.count("<svg class=\"chart\"")
    check(charts >= 2, f"{directory}: charts inline as <svg> ({charts})")
    check("data:image" not in text and "base64" not in text, f"{directory}: no base64 images")
    check("http://" not in text and "https://" not in text and "src=" not in text,
          f"{directory}: no external URL, nothing loaded (self-contained, no network)")
    check(text.count("<text") > 20, f"{directory}: chart text is <text>, not paths")
    check(text.count("<title>") > 10, f"{directory}: points carry <title> (hover text)")
    check("id='answer'" in text and "id='answer-table'" in text and "id='contents'" in text
          and "id=\"context\"" in text, f"{directory}: answer, contents and context sections")
    check(text.index("id='answer'") < text.find("<svg"), f"{directory}: the answer before any chart")
    check("<details>" in text, f"{directory}: rows' tables folded (<details>)")
    ids = re.findall(r'\sid=["\']([^"\']+)', text)
    check(len(ids) == len(set(ids)), f"{directory}: ids unique on the page "
                                     f"({[i for i in set(ids) if ids.count(i) > 1][:5]})")
    for href in re.findall(r"href='#([^']+)'", text):
        check(f"id='{href}'" in text or f'id="{href}"' in text, f"{directory}: #{href} exists")
    check("e+0" not in re.sub(r"<svg.*?</svg>", "", text, flags=re.S),
          f"{directory}: no figure in e-notation in the tables")
text = page("html")
check("library_build_type" in text and "Debian" in text, "html: the library's \"debug\" explained")
check("Primitives" in text, "html: primitives section")
check("BASE and NEW repetitions" in page("html_base") and "id='comparison'" in page("html_base"),
      "html BASE NEW: comparison section and the repetitions' strip plot")
check("id='history'" in page("html_history") and "×2" in page("html_history"),
      "html --history: history section, base_part1 and base_part2 pooled as one commit")
size = len(page("html_default").encode())
check(0 < size <= 600 * 1024, f"html of a default-sized report: at most 600 KB ({size / 1024:.0f} KB)")
out = os.path.join(work, "history")
expect_files(run("history", base, os.path.join(data, "base_part1.json"), new, "-o", out,
                 "--report-bin", binary), "history", ["history.png", "history.svg"], out)

# Usage errors: one line, exit 2, nothing written; --help: help only.
for args, what in ((["frobnicate"], "unknown command"), (["html"], "html without a report"),
                   (["html", base, new, report], "html with three reports"),
                   (["scaling", report, "--formats", "gif"], "a bad --formats")):
    out = os.path.join(work, "usage")
    result = run(*args, "-o", out, "--report-bin", binary)
    lines = result.stderr.strip().splitlines()
    check(result.returncode == 2 and len(lines) == 1 and lines[0].startswith("plot.py")
          and result.stdout == "", f"{what}: one line on stderr, exit 2 ({result.returncode}, {lines})")
    check(not os.path.exists(out), f"{what}: nothing written")

# Bad input (bad_reports.py's table, as cli_checks.py runs it over execbench-report): one line
# naming the file and the problem, exit 2, nothing written, not even the output directory.
inputs = os.path.join(work, "inputs")
os.makedirs(inputs)
for path, problem in write_bad_reports(inputs, data):
    for command in (["scaling", path], ["compare", path, new, "--report-bin", binary],
                    ["html", path, report, "--report-bin", binary],
                    ["html", path, "--report-bin", binary],
                    ["html", report, "--history", path, "--report-bin", binary],
                    ["history", report, path, "--report-bin", binary]):
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
    expect_files(run("html", path, "-o", out, "--report-bin", binary), f"html of {what}",
                 ["report.html"], out)
    if what.startswith("interrupted"):
        check("An interrupted run" in page(what), f"html of {what}: says so at the top")

# METG rows and host floors get their section; a report without them has none.
with open(os.path.join(data, "base.json")) as f:
    document = json.load(f)
samples = [r for r in document["benchmarks"] if r.get("run_type") != "aggregate"][:4]
for index, row in enumerate(samples):
    name = f"metg/cpu/{('loop', 'asio')[index % 2]}/workers:{1 + index // 2}"
    # Efficiency g / (g + overhead) at halving grains, as register_metg.hpp labels a row; loop at
    # half of it (one core of two), so that it never reaches the threshold: metg_us null.
    overhead, plateau = 2.0 + index, (0.5 if index % 2 == 0 else 1.0)
    points = [[g, plateau * g / (g + overhead), plateau * g / (g + overhead) * 0.95,
               plateau * g / (g + overhead) * 1.02] for g in (1000, 500, 250, 125, 62.5, 31.25,
                                                              15.6, 7.8, 3.9, 1.95, 0.98)]
    document["benchmarks"].append(dict(
        row, name=name, run_name=name, label=json.dumps(points),
        metg_us=None if plateau < 1 else overhead, metg_low_us=None if plateau < 1 else overhead * 0.9,
        metg_high_us=None if plateau < 1 else overhead * 1.1, best_efficiency=plateau * 0.998,
        metg_threshold=0.5, metg_n=3))
document["context"]["floors"] = json.dumps({
    "tcp_round_trip_us": {"median": 23.4, "low": 20.1, "high": 30.2, "n": 5},
    "missing": {"disk_read_us_per_kib": "no temporary directory"}})
metg_report = os.path.join(inputs, "metg.json")
with open(metg_report, "w") as f:
    json.dump(document, f)
out = os.path.join(work, "metg")
expect_files(run("html", metg_report, "-o", out, "--report-bin", binary), "html with METG rows",
             ["report.html"], out)
check("id='metg-floors'" in page("metg") and "metg/cpu" in page("metg")
      and "23.4 µs" in page("metg"), "html with METG rows and floors: their section")
check("not measured: no temporary directory" in page("metg"),
      "html with floors: a floor not measured says why")
check("metg-floors" not in page("html"), "html without them: no such section")
check('aria-label="METG: efficiency against task grain' in page("metg")
      and "never (best 0.499)" in page("metg") and "3 µs [2.7–3.3]" in page("metg"),
      "html with METG rows: the chart, a METG with its range, never with the best efficiency")
out = os.path.join(work, "metg_chart")
expect_files(run("metg", metg_report, "-o", out), "metg", ["metg.png", "metg.svg"], out)
with open(os.path.join(out, "metg.svg")) as f:
    svg = f.read()
check("task grain" in svg and "efficiency" in svg and "never (best 0.499)" in svg
      and "asio ×1" in svg, "metg: axes labelled, the legend gives each METG or never")
for what, path, problem in (
        ("a report without METG rows", report, "no METG rows"),
        ("a METG row whose label is not points", None, "its label is not METG points")):
    if path is None:
        broken = json.loads(json.dumps(document))
        next(r for r in broken["benchmarks"] if r["name"].startswith("metg/"))["label"] = "[[1, 2]]"
        path = os.path.join(inputs, "metg_bad_label.json")
        with open(path, "w") as f:
            json.dump(broken, f)
    out = os.path.join(work, "metg_bad")
    result = run("metg", path, "-o", out)
    lines = result.stderr.strip().splitlines()
    check(result.returncode == 2 and len(lines) == 1 and path in lines[0] and problem in lines[0],
          f"metg of {what}: exit 2, one line naming the file and {problem!r} ({lines!r})")
    check(not os.path.exists(out), f"metg of {what}: nothing written")

# Whole or nothing: when one of a command's files cannot be written, none is.
out = os.path.join(work, "half")
os.makedirs(os.path.join(out, "latency.svg"))  # a directory where the SVG should go
result = run("latency", report, "-o", out)
check(result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1,
      f"latency with an unwritable SVG: exit 2, one line ({result.stderr.strip()!r})")
check(sorted(os.listdir(out)) == ["latency.svg"], f"latency with an unwritable SVG: no PNG, no "
      f"temporary ({sorted(os.listdir(out))})")

result = run("--help")
check(result.stderr == "" and result.returncode == 0 and all(
    c in result.stdout for c in ("runtimes", "scaling", "latency", "compare", "html", "history")),
      "--help lists every command, on stdout only")
result = run("html", "--help")
check(result.stderr == "" and result.returncode == 0 and "--history" in result.stdout
      and "[BASE] REPORT" in result.stdout, "html --help: help only, [BASE] REPORT and --history")

finish()
