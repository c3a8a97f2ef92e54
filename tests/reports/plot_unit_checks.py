#!/usr/bin/python3
"""scripts/plot.py's functions checked directly, without running it as a program: the figures
it writes for people against every case of data/number_formats.json (the rule the summaries of
execbench-report follow too); the range it draws around every point against the one
`execbench-report summary --format json` gives the same rows (the page draws every worker count,
the summary gives each runtime's best); every chart of a one-workload report without a clipped
text or an empty panel, legends in numeric and in runtime order (docs/design.md, "The runtimes"); the
SVG made inline (ids unique, a <title> on every point, no URL); the history's order by commits in a git
repository made here, and by date without one.

Usage: plot_unit_checks.py PLOT_PY EXECBENCH_REPORT DATA_DIR WORK_DIR"""

import importlib.util
import json
import math
import os
import re
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

# Charts: nothing clipped, no empty panel, legends in order (one workload and several).
plot.load_pyplot()


def clipped_texts(fig):
    """Texts drawn outside the figure; tick labels matplotlib does not draw are skipped."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    width, height = fig.canvas.get_width_height()
    undrawn = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            drawn = set(map(id, axis._update_ticks()))
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if id(tick) not in drawn:
                    undrawn.update((id(tick.label1), id(tick.label2)))
    return [t.get_text()[:50] for t in fig.findobj(plot.plt.Text)
            if id(t) not in undrawn and t.get_visible() and t.get_text().strip()
            and not (lambda b: b.x0 >= -1 and b.y0 >= -1 and b.x1 <= width + 1
                     and b.y1 <= height + 1)(t.get_window_extent(renderer))]


def legend_labels(fig):
    return [t.get_text() for legend in fig.legends + [a.get_legend() for a in fig.axes if a.get_legend()]
            for t in legend.get_texts()]


groups = plot.load_groups(os.path.join(data, "report.json"))
one = {"web_request": groups["web_request"]}
compare_json = json.loads(subprocess.run(
    [binary, "compare", "--format", "json", "--metric", "all", os.path.join(data, "base.json"),
     os.path.join(data, "new.json")], capture_output=True, text=True).stdout)
tune_json = json.loads(subprocess.run([binary, "tune", "--format", "json",
                                       os.path.join(data, "sweep.json")],
                                      capture_output=True, text=True).stdout)
one_series = dict(tune_json, results=tune_json["results"][:1])
history_paths = [os.path.join(data, n) for n in ("base.json", "new.json")]
history = plot.build_history(history_paths, [plot.read_report(p) for p in history_paths], binary,
                             repo=work)
strip_rows = [(f"row {i}", "efficiency", "higher", [0.5, 0.51, 0.52], [0.55, 0.56, 0.54],
               "faster", 0.08) for i in range(3)]
figures = {
    "runtimes, one workload": lambda: plot.chart_runtimes(one),
    "runtimes": lambda: plot.chart_runtimes(groups),
    "scaling, one workload": lambda: plot.chart_scaling(one),
    "latency, one workload": lambda: plot.chart_latency(one),
    "latency": lambda: plot.chart_latency(groups),
    "compare": lambda: plot.chart_compare(compare_json, "real_time"),
    "tune, one series": lambda: plot.chart_tune(one_series),
    "tune": lambda: plot.chart_tune(tune_json),
    "workload": lambda: plot.chart_workload("web_request", groups["web_request"], "p")[0],
    "primitives, one": lambda: plot.chart_primitives(
        {"primitive/spawn": groups["primitive/spawn"]}, "p")[0],
    "strip": lambda: plot.chart_strip(strip_rows, "p", 0.05)[0],
    "history": lambda: plot.chart_history(history, sorted(history["series"]), "p")[0],
}
for what, make in figures.items():
    fig = make()
    bad = clipped_texts(fig)
    check(not bad, f"{what}: no text clipped ({bad})")
    empty = [ax.get_title() or "untitled" for ax in fig.axes
             if ax.get_visible() and ax.axison and not (ax.lines or ax.patches or ax.collections)
             and not any(other is not ax and other.bbox.bounds == ax.bbox.bounds for other in fig.axes)]
    check(not empty, f"{what}: no empty panel ({empty})")
    labels = legend_labels(fig)
    if what.startswith("runtimes"):
        check(labels == sorted(labels, key=int), f"{what}: workers in numeric order ({labels})")
    if what in ("workload", "scaling, one workload", "primitives, one"):
        check(labels == sorted(labels, key=plot.runtime_key),
              f"{what}: runtimes in a fixed order ({labels})")
    plot.plt.close(fig)
labels = legend_labels(plot.chart_workload("web_request", groups["web_request"], "p")[0])
check(labels[:3] == ["loop", "loop_offload", "asio"], f"runtime order: loop, loop_offload, asio "
                                                      f"first ({labels})")

# Inline SVG: two charts on one page share no id; every point has its title; no URL.
fig, titles = plot.chart_workload("web_request", groups["web_request"], "p")
first = plot.inline_svg(fig, titles, "first")
fig, titles2 = plot.chart_workload("web_request", groups["web_request"], "p")
second = plot.inline_svg(fig, titles2, "second")
ids = re.findall(r'\sid="([^"]+)"', first + second)
check(len(ids) == len(set(ids)), "inline_svg: ids unique across charts")
check(first.count("<title>") == len(titles) > 0, f"inline_svg: a <title> per point "
                                                   f"({first.count('<title>')} of {len(titles)})")
check("http" not in first and "<text" in first and first.startswith("<svg"),
      "inline_svg: no URL (no xmlns), real <text>, starts with <svg")
check(all("[" in t and "n=" in t for t in titles.values()),
      "hover titles give the point's range and n")

# History order: by commits in a repository, by date without one; one commit's reports pooled.
repo = os.path.join(work, "repo")
os.makedirs(repo)
git = ["git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@t"]
subprocess.run(git[:3] + ["init", "-q"], check=True)
shas = []
for i in range(3):
    subprocess.run(git + ["commit", "-q", "--allow-empty", "-m", f"c{i}"], check=True)
    shas.append(subprocess.run(git[:3] + ["rev-parse", "--short=7", "HEAD"], capture_output=True,
                               text=True).stdout.strip())
with open(os.path.join(data, "base.json")) as f:
    template = json.load(f)
paths = []
# Commit 2 dated first, commit 0 last: commit order and date order disagree. Two reports of 1.
for name, sha, date in (("r2", shas[2], "2026-01-01"), ("r1a", shas[1], "2026-01-02"),
                        ("r1b", shas[1], "2026-01-03"), ("r0", shas[0], "2026-01-04")):
    document = dict(template, context=dict(template["context"], git_sha=sha, date=date))
    paths.append(os.path.join(work, name + ".json"))
    with open(paths[-1], "w") as f:
        json.dump(document, f)
documents = [plot.read_report(p) for p in paths]
commits, how = plot.history_commits(paths, documents, repo)
check([c["sha"] for c in commits] == shas and "commit order" in how,
      f"history: commit order in the repository ({[c['sha'] for c in commits]}, {how})")
check([len(c["paths"]) for c in commits] == [1, 2, 1], "history: a commit's two reports pooled")
commits, how = plot.history_commits(paths, documents, os.path.join(work, "not_a_repo"))
check([c["sha"] for c in commits] == [shas[2], shas[1], shas[0]] and "date" in how,
      f"history: date order without the repository ({how})")
pooled = plot.pooled_rows(documents[1:3])
row = next(iter(pooled.values()))
check(all(len(v) == 2 for v in row["samples"].values()),
      "history: pooled, each report's median is one sample")

finish()
