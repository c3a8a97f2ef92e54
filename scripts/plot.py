#!/usr/bin/python3
"""Charts and the HTML page from execbench reports (Google Benchmark JSON written by execbench).

Commands (the charts write PNG and SVG into -o DIR; every command prints every path it writes):
  runtimes REPORT      per workload, throughput and p99 latency (log axis) per runtime and workers
  scaling REPORT       throughput against workers, one line per runtime (log2 x axis)
  latency REPORT       p50, p99 and p99.9 per runtime, at each runtime's best worker count
  metg REPORT          of an execbench --metg report: efficiency against task grain (log axis),
                       a line per runtime, the threshold, each METG marked with its range
  compare BASE NEW     change per benchmark with its confidence interval, coloured by verdict
  tune SWEEP           per workload x runtime of a worker-count sweep: measured throughput, the
                       fitted USL curve, N*, the Goetz estimate and the recommended worker count
  history REPORT...    each workload's best throughput and its p99 across commits (in the
                       repository's commit order, by date without it), significant changes ringed
  html [BASE] REPORT [--history REPORT...]
                       DIR/report.html, one self-contained page (inline SVG, no script, no URL):
                       the answer per workload first, a section per workload, the primitives,
                       METG and host floors, with BASE the verdicts beside each row's
                       repetitions, with --history the history, the context last

BASE goes before NEW everywhere, as in execbench-report compare. The page's answer comes from
`execbench-report summary --format json`, the statistics of `compare`, `history` and `html` with
BASE from `execbench-report compare --format json`, and the fits of `tune` from
`execbench-report tune --format json`, so the charts and the CLI never disagree: the binary is
--report-bin, else $EXECBENCH_REPORT, else build/release/reports/execbench-report (then any
build/*/reports/) under the repository, else execbench-report on PATH. Figures read as people
write them (17,860 tasks/s, 1.2 ms, 93 M/s: tests/reports/data/number_formats.json).

Runs under /usr/bin/python3: Debian's python3-matplotlib and python3-numpy are installed for it.
Bad input (missing or unreadable file, a directory, empty, truncated or not JSON, not a Google
Benchmark report or fields of the wrong type, no rows, every row errored: execbench-report's
rules) and usage errors: one line on stderr naming the input and the problem, exit status 2,
nothing written (every file goes to a temporary name and is renamed once all are written).
"""

import argparse
import decimal
import errno
import glob
import html
import io
import itertools
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap

# matplotlib is imported on first use (load_pyplot): it takes a second or two to import, and bad
# input or --help should answer at once.
plt = ticker = None

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# One colour per runtime, the same in every chart (names fixed: docs/design.md, "The runtimes").
RUNTIME_COLOURS = {
    "loop": "#1f77b4",
    "loop_offload": "#17becf",
    "asio": "#2ca02c",
    "thread_per_task": "#d62728",
    "thread_pool": "#ff7f0e",
    "tbb": "#9467bd",
    "loop_uring": "#8c564b",
}
VERDICT_COLOURS = {"slower": "#d62728", "faster": "#2ca02c", "same": "#7f7f7f",
                   "inconclusive": "#bcbd22", "no verdict": "#17becf"}
THROUGHPUT_UNITS = {"tasks_per_s": "tasks/s", "items_per_second": "items/s", "runs_per_s": "runs/s"}


# --------------------------------------------------------------------------------------------
# Figures for people: tests/reports/data/number_formats.json holds the rule and its cases, shared
# with execbench-report's summaries (17,860 tasks/s, 1.2 ms, 93 M/s; never 1.786e+04).


def _significant(magnitude, figures):
    """`magnitude` (> 0) rounded half away from zero to `figures` significant figures, as a
    Decimal: binary floats round 85.25 down; people round it up."""
    exact = decimal.Decimal(repr(magnitude))
    step = decimal.Decimal(1).scaleb(exact.adjusted() - figures + 1)
    return exact.quantize(step, rounding=decimal.ROUND_HALF_UP)


def _plain(number):
    """A Decimal as text without exponent, trailing zeros after the point dropped."""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _scientific(number):
    """A Decimal as '1.23×10⁻⁵', trailing zeros of the mantissa dropped."""
    exponent = number.adjusted()
    mantissa = _plain(number.scaleb(-exponent))
    return f"{mantissa}×10{str(exponent).translate(_SUPERSCRIPT)}"


def _with_unit(number, prefix, unit):
    if prefix:
        return f"{number} {prefix}{unit}" if unit.startswith("/") or not unit else \
            f"{number} {prefix} {unit}"
    return f"{number} {unit}" if unit else number


def format_count(value, unit=""):
    """A count or rate as people write it: '12.3', '17,860 tasks/s', '93.4 M items/s'."""
    if value is None or not math.isfinite(value):
        return "-" if value is None or math.isnan(value) else ("∞" if value > 0 else "-∞")
    sign, magnitude = ("-" if value < 0 else ""), abs(value)
    if magnitude == 0:
        return _with_unit("0", "", unit)
    if magnitude < 1000:
        rounded = _significant(magnitude, 3)
        if rounded.adjusted() < -4:
            # Below 0.0001 positional text grows long: 4.12×10⁻⁵ reads better.
            return _with_unit(sign + _scientific(rounded), "", unit)
        if rounded < 1000:
            return _with_unit(sign + _plain(rounded), "", unit)
    if magnitude < 1e6:
        # Four significant figures, and whole (999.6 is 1,000, not 999).
        rounded = _significant(magnitude, 4).quantize(1, rounding=decimal.ROUND_HALF_UP)
        if rounded < 1e6:
            return _with_unit(f"{sign}{int(rounded):,}", "", unit)
    for prefix, scale in (("M", 1e6), ("G", 1e9), ("T", 1e12)):
        rounded = _significant(magnitude / scale, 3)
        if rounded < 1000 or prefix == "T":
            text = _plain(rounded) if rounded < 1000 else f"{int(rounded):,}"
            return _with_unit(sign + text, prefix, unit)


_DURATION_UNITS = (("ns", 1.0), ("µs", 1e3), ("ms", 1e6), ("s", 1e9))


def format_duration(value, unit="ns"):
    """A duration given in `unit` (ns, us or µs, ms, s) in the unit that puts it in [1, 1000):
    '1.2 ms', '500 ns', '2.5 s'; from 1,000 s up as a count of seconds."""
    unit = "µs" if unit == "us" else unit
    if value is None or not math.isfinite(value):
        return format_count(value)
    if value == 0:
        return f"0 {unit}"
    sign, ns = ("-" if value < 0 else ""), abs(value) * dict(_DURATION_UNITS)[unit]
    for index, (name, scale) in enumerate(_DURATION_UNITS):
        last = index == len(_DURATION_UNITS) - 1
        if ns < 1000 * scale or last:
            rounded = _significant(ns / scale, 3)
            if rounded < 1000 or last:
                if rounded >= 1000:
                    return sign + format_count(ns / scale, "s")
                return f"{sign}{_plain(rounded)} {name}"
    raise AssertionError("unreachable")


def format_figure(value, metric):
    """A metric's value as people read it, by what the metric is."""
    if metric in ("real_time", "cpu_time"):
        return format_duration(value, "ns")
    if metric.endswith("_us"):
        return format_duration(value, "us")
    if metric.endswith("_ms"):
        return format_duration(value, "ms")
    if metric in THROUGHPUT_UNITS:
        return format_count(value, THROUGHPUT_UNITS[metric])
    if metric == "max_rss_mb":
        return format_count(value, "MB")
    return format_count(value)


class InputError(Exception):
    """Bad input; the message is one line naming the file and the problem."""


class UsageError(Exception):
    """A command line that cannot be run; the message is one line."""


# --------------------------------------------------------------------------------------------
# Reading reports


def _quote_non_finite(text):
    """Google Benchmark may write -NaN, which Python's json does not accept (it does accept NaN,
    Infinity and -Infinity): rewrite it outside strings."""
    if "-NaN" not in text:
        return text  # the scan below takes a second on a default run's report
    out, i, in_string = [], 0, False
    while i < len(text):
        c = text[i]
        if in_string:
            out.append(c)
            if c == "\\" and i + 1 < len(text):
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
            out.append(c)
        elif text.startswith("-NaN", i):
            out.append("NaN")
            i += 3
        else:
            out.append(c)
        i += 1
    return "".join(out)


_DEEPEST_NESTING = 64


def _nesting_depth(text):
    """How deep arrays and objects nest in JSON text, strings skipped."""
    depth = deepest = 0
    in_string = escaped = False
    for c in text:
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}" and depth > 0:
            depth -= 1
    return deepest


def _type_name(value):
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return {str: "a string", type(None): "null", list: "an array"}.get(type(value), "an object")


def _one_line(text, longest=120):
    """`text` safe for a one-line message: control characters become spaces, a long text is cut."""
    cut = "".join(" " if ord(c) < 0x20 or c == "\x7f" else c for c in text[:longest])
    return cut + ("..." if len(text) > longest else "")


def _number(value):
    """A float for a JSON number or one of the quoted non-finite tokens; None for anything else."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}.get(value) \
        if isinstance(value, str) else None


def _check_row(path, index, row):
    """InputError unless the row is one execbench-report accepts (the same rules and words)."""
    where = f"{path}: benchmarks[{index}]"
    if not isinstance(row, dict):
        raise InputError(f"{where} is not an object")
    if not isinstance(row.get("name"), str):
        raise InputError(f'{where} has no "name"')
    where = f"{where} ({_one_line(row['name'])})"
    for key, kind in (("run_name", str), ("run_type", str), ("aggregate_name", str),
                      ("error_occurred", bool), ("error_message", str), ("time_unit", str),
                      ("aggregate_unit", str)):
        if key in row and not isinstance(row[key], kind):
            wanted = "a string" if kind is str else "a boolean"
            raise InputError(f'{where}: "{key}" is {_type_name(row[key])}, not {wanted}')
    unit = _NS_PER_UNIT.get(row.get("time_unit", "ns"))
    if unit is None:
        raise InputError(f'{where}: unknown time_unit "{_one_line(row["time_unit"])}"')
    errored, aggregate = row.get("error_occurred", False), row.get("run_type") == "aggregate"
    ratio = row.get("aggregate_unit") == "percentage"
    for key in ("real_time", "cpu_time"):
        value = _number(row.get(key))
        if value is None:
            if errored:
                continue
            raise InputError(f'{where}: "{key}" is missing or not a number')
        scaled = value if ratio else value * unit
        if not math.isfinite(scaled) and not errored and not aggregate:
            raise InputError(f'{where}: "{key}" is not finite'
                             + (" in nanoseconds" if math.isfinite(value) else ""))


def read_report(path):
    """The parsed report, or InputError naming the file; the same checks as execbench-report's
    reader, in the same words."""
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory, not a report file")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError:
        raise InputError(f"{path}: not JSON (not UTF-8 text)") from None
    except OSError as e:
        raise InputError(f"{path}: cannot open ({e.strerror})") from None
    if not text.strip():
        raise InputError(f"{path}: empty file")
    if _nesting_depth(text) > _DEEPEST_NESTING:
        raise InputError(f"{path}: not a Google Benchmark report (arrays or objects nested more "
                         f"than {_DEEPEST_NESTING} levels deep)")
    try:
        document = json.loads(_quote_non_finite(text))
    except json.JSONDecodeError as e:
        if e.pos >= len(text.rstrip()):
            raise InputError(f"{path}: truncated JSON (unexpected end of input)") from None
        raise InputError(f"{path}: not JSON (syntax error at line {e.lineno})") from None
    if not isinstance(document, dict):
        raise InputError(f"{path}: not a Google Benchmark report (top level is not an object)")
    if not isinstance(document.get("benchmarks"), list):
        raise InputError(f'{path}: not a Google Benchmark report (no "benchmarks" array)')
    if "context" in document and not isinstance(document["context"], dict):
        raise InputError(f'{path}: "context" is {_type_name(document["context"])}, not an object')
    rows = document["benchmarks"]
    if not rows:
        raise InputError(f"{path}: the report has no benchmark rows")
    for index, row in enumerate(rows):
        _check_row(path, index, row)
    if all(row.get("error_occurred", False) for row in rows):
        first = rows[0].get("error_message", "")
        first = f'"{_one_line(first)}"' if first else "no message"
        raise InputError(f"{path}: every benchmark row errored ({len(rows)} rows; the first: {first})")
    return document


_NS_PER_UNIT = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
_BOOKKEEPING = {"name", "family_index", "per_family_instance_index", "run_name", "run_type",
                "repetitions", "repetition_index", "threads", "aggregate_name", "aggregate_unit",
                "error_occurred", "error_message", "iterations", "time_unit", "label"}


def parse_name(run_name):
    """(workload, runtime, workers) of '<workload>/<runtime>/workers:<N>[/suffixes]'; primitives
    are 'primitive/<name>/<runtime>/workers:<N>'. Other names: (name, None, None)."""
    parts = run_name.split("/")
    for i in range(2, len(parts)):
        if parts[i].startswith("workers:") and parts[i][8:].isdigit():
            return "/".join(parts[: i - 1]), parts[i - 1], int(parts[i][8:])
    return run_name, None, None


def benchmarks(document):
    """One entry per run name: the median of each metric over its repetitions (aggregate rows are
    not samples; a report of aggregates only uses its median aggregate). Errored ones are kept,
    flagged, without metrics."""
    samples, order, stand_in, errors = {}, [], {}, {}
    for row in document["benchmarks"]:
        name = row.get("run_name", row["name"])
        if name not in samples:
            samples[name] = []
            order.append(name)
        if row.get("error_occurred"):
            errors[name] = row.get("error_message", "error")
        elif row.get("run_type") == "aggregate":
            if row.get("aggregate_name") == "median" or (
                    row.get("aggregate_name") == "mean" and name not in stand_in):
                stand_in[name] = row
        else:
            samples[name].append(row)
    result = []
    for name in order:
        rows = samples[name] or ([stand_in[name]] if name in stand_in else [])
        values = {}
        for row in rows:
            unit = _NS_PER_UNIT.get(row.get("time_unit", "ns"), 1.0)
            for key, value in row.items():
                if key in _BOOKKEEPING or not isinstance(value, (int, float)) or isinstance(value, bool):
                    continue
                if key in ("real_time", "cpu_time"):
                    value = value * unit
                if not math.isnan(value):
                    values.setdefault(key, []).append(float(value))
        workload, runtime, workers = parse_name(name)
        result.append({
            "name": name, "workload": workload, "runtime": runtime or name,
            "workers": workers if workers is not None else 1,
            "metrics": {k: statistics.median(v) for k, v in values.items()},
            "samples": values,
            "repetitions": len(samples[name]) or len(rows),
            "error": errors.get(name) if not rows else None,
        })
    return result


def median_range(samples):
    """(median, low, high, n, kind) of `samples` by execbench-report summary's rule
    (median_interval.hpp): below 6 samples the min-max ('min_max'; 'single' for one); from 6 on
    the order-statistic 95% interval of the median [x(j), x(n+1-j)], j the largest rank whose
    pair still covers 95% ('order_statistic')."""
    values = sorted(v for v in samples if not math.isnan(v))
    n = len(values)
    if n == 0:
        return (math.nan, math.nan, math.nan, 0, "single")
    middle = statistics.median(values)
    if n == 1:
        return (middle, middle, middle, 1, "single")
    if n < 6:
        return (middle, values[0], values[-1], n, "min_max")
    below, j = 0.0, 0  # below: P(B <= j - 1), B ~ Binomial(n, 1/2)
    while True:
        next_below = below + math.comb(n, j) / 2 ** n
        if 1 - 2 * next_below < 0.95:
            break
        below, j = next_below, j + 1
    return (middle, values[j - 1], values[n - j], n, "order_statistic")


def row_range(row, metric):
    """median_range of a row's samples of `metric` (throughput "runs_per_s" from real_time)."""
    if metric == "runs_per_s":
        return median_range([1e9 / t for t in row["samples"].get("real_time", []) if t > 0])
    return median_range(row["samples"].get(metric, []))


def by_workload(rows):
    """{workload: [rows]} in order of first appearance, successful rows only."""
    groups = {}
    for row in rows:
        if row["error"] is None and row["metrics"]:
            groups.setdefault(row["workload"], []).append(row)
    return groups


def throughput_metric(rows):
    for metric in ("tasks_per_s", "items_per_second"):
        if all(metric in r["metrics"] for r in rows):
            return metric
    return "runs_per_s"


def throughput(row, metric):
    if metric == "runs_per_s":
        t = row["metrics"].get("real_time")
        return 1e9 / t if t else float("nan")
    return row["metrics"].get(metric, float("nan"))


def best_per_runtime(rows, metric):
    """{runtime: row at its best worker count}, ranked by throughput, best first."""
    best = {}
    for row in rows:
        current = best.get(row["runtime"])
        if current is None or throughput(row, metric) > throughput(current, metric):
            best[row["runtime"]] = row
    return dict(sorted(best.items(), key=lambda kv: -throughput(kv[1], metric)))


def load_groups(path):
    groups = by_workload(benchmarks(read_report(path)))
    if not groups:
        raise InputError(f"{path}: no successful benchmark rows to plot")
    return groups


# --------------------------------------------------------------------------------------------
# Charts


def load_pyplot():
    global plt, ticker
    if plt is None:
        import matplotlib
        matplotlib.use("Agg")  # files only: no display on benchmark machines or in CI
        import matplotlib.pyplot
        import matplotlib.ticker
        plt, ticker = matplotlib.pyplot, matplotlib.ticker
        # SVG text stays text (selectable, searchable, smaller); the page's font draws it.
        plt.rcParams["svg.fonttype"] = "none"
        plt.rcParams["svg.hashsalt"] = "execbench"  # the same report gives the same file
    return plt


def runtime_colour(runtime, index):
    return RUNTIME_COLOURS.get(runtime, plt.get_cmap("tab10")(index % 10))


def grid(count, width=5.2, height=3.8, rows_per_panel=1):
    load_pyplot()
    columns = min(count, 3)
    lines = math.ceil(count / columns)
    # At least 9 inches wide, so that a one-panel figure still fits its title.
    fig, axes = plt.subplots(lines * rows_per_panel, columns,
                             figsize=(max(9.0, width * columns), height * lines * rows_per_panel),
                             squeeze=False)
    return fig, axes, columns


def finish(fig, title, handles, legend_title):
    """One legend for the whole figure, under the panels: colours mean the same in every panel,
    and a legend inside a panel hides bars."""
    width, height = fig.get_size_inches()
    # Wrapped to the figure's width (about 11 characters an inch at 12 pt): a one-panel figure
    # would clip a long title.
    title = "\n".join(textwrap.wrap(title, int(width * 11))) if title else title
    lines = title.count("\n") + 1 if title else 0
    fig.suptitle(title)
    top = 1 - (0.12 + 0.25 * lines) / height
    if handles:
        # As many columns as fit the figure's width (about 0.08 inch a character, 0.7 for the
        # swatch and the gap), at most 8.
        longest = max(len(str(label)) for label in handles)
        columns = max(1, min(len(handles), 8, int(width / (0.08 * longest + 0.7))))
        fig.legend(handles.values(), handles.keys(), loc="lower center", ncol=columns,
                   title=legend_title, frameon=False)
        rows = math.ceil(len(handles) / columns)
        # About a quarter inch a legend line, its title and a margin besides.
        fig.tight_layout(rect=(0, (0.45 + 0.25 * rows) / height, 1, top))
    else:
        fig.tight_layout(rect=(0, 0, 1, top))
    return fig


def hide_unused(axes, used):
    for ax in axes.flat[used:]:
        ax.set_visible(False)


def chart_runtimes(groups):
    """Grouped bars: per workload, a group per runtime, a bar per worker count; throughput above,
    p99 latency below."""
    fig, axes, columns = grid(len(groups), rows_per_panel=2)
    all_workers = sorted({r["workers"] for rows in groups.values() for r in rows})
    cmap = plt.get_cmap("viridis")
    colour_of = {w: cmap(i / max(1, len(all_workers) - 1) * 0.85) for i, w in enumerate(all_workers)}
    handles = {}
    for index, (workload, rows) in enumerate(groups.items()):
        line, column = divmod(index, columns)
        top, bottom = axes[2 * line][column], axes[2 * line + 1][column]
        metric = throughput_metric(rows)
        runtimes = list(best_per_runtime(rows, metric))
        workers = sorted({r["workers"] for r in rows})
        width = 0.8 / len(workers)
        has_latency = False
        for w_index, w in enumerate(workers):
            xs, tput, p99 = [], [], []
            for r_index, runtime in enumerate(runtimes):
                match = [r for r in rows if r["runtime"] == runtime and r["workers"] == w]
                if match:
                    xs.append(r_index - 0.4 + width * (w_index + 0.5))
                    tput.append(throughput(match[0], metric))
                    p99.append(match[0]["metrics"].get("lat_p99_us", float("nan")))
            handles[w] = top.bar(xs, tput, width, color=colour_of[w])
            if any(not math.isnan(v) for v in p99):
                has_latency = True
                bottom.bar(xs, p99, width, color=colour_of[w])
        for ax in (top, bottom):
            ax.set_xticks(range(len(runtimes)))
            ax.set_xticklabels(runtimes, rotation=20, ha="right")
            ax.grid(axis="y", alpha=0.3)
        top.set_title(f"{workload}: throughput")
        top.set_ylabel(f"throughput ({THROUGHPUT_UNITS[metric]})")
        bottom.set_title(f"{workload}: p99 latency")
        if has_latency:
            # A linear axis shows the worst runtime and flattens the rest.
            _log_axis(bottom, "lat_p99_us", [r["metrics"].get("lat_p99_us", math.nan) for r in rows])
            bottom.set_ylabel("p99 latency (log axis)")
        else:
            bottom.remove()  # no empty panels
        top.yaxis.set_major_formatter(_figure_formatter(metric))
    # Unused panels of the last line (two axes per workload).
    used_lines = math.ceil(len(groups) / columns)
    for column in range(len(groups) - (used_lines - 1) * columns, columns):
        axes[2 * used_lines - 2][column].set_visible(False)
        axes[2 * used_lines - 1][column].set_visible(False)
    # Worker counts in numeric order, whichever workload showed them first.
    handles = {str(w): handles[w] for w in sorted(handles)}
    return finish(fig, "Throughput and p99 latency per runtime and worker count "
                       "(median of repetitions; runtimes ranked by best throughput)",
                  handles, "workers")


def chart_scaling(groups):
    fig, axes, columns = grid(len(groups))
    handles = {}
    for index, (workload, rows) in enumerate(groups.items()):
        ax = axes.flat[index]
        metric = throughput_metric(rows)
        all_workers = sorted({r["workers"] for r in rows})
        for runtime in sorted({r["runtime"] for r in rows}, key=runtime_key):
            points = sorted((r["workers"], throughput(r, metric)) for r in rows
                            if r["runtime"] == runtime)
            handles[runtime], = ax.plot([p[0] for p in points], [p[1] for p in points], marker="o",
                                        color=runtime_colour(runtime, len(handles)))
        ax.set_xscale("log", base=2)
        ax.set_xticks(all_workers)
        ax.set_xticklabels([str(w) for w in all_workers])
        ax.set_xlabel("workers (log scale)")
        ax.set_ylabel(f"throughput ({THROUGHPUT_UNITS[metric]})")
        ax.yaxis.set_major_formatter(_figure_formatter(metric))
        ax.set_title(workload)
        ax.grid(alpha=0.3)
    hide_unused(axes, len(groups))
    handles = {r: handles[r] for r in sorted(handles, key=runtime_key)}
    return finish(fig, "Scaling: throughput against worker count (median of repetitions)",
                  handles, "runtime")


def chart_latency(groups):
    with_latency = {w: rows for w, rows in groups.items()
                    if any("lat_p99_us" in r["metrics"] for r in rows)}
    if not with_latency:
        raise InputError("no row has latency counters (lat_p50_us, lat_p99_us, lat_p999_us): "
                         "nothing to draw")
    fig, axes, columns = grid(len(with_latency))
    percentiles = [("lat_p50_us", "p50"), ("lat_p99_us", "p99"), ("lat_p999_us", "p99.9")]
    colours = ["#9ecae1", "#3182bd", "#08519c"]
    handles = {}
    for index, (workload, rows) in enumerate(with_latency.items()):
        ax = axes.flat[index]
        best = best_per_runtime(rows, throughput_metric(rows))
        width = 0.8 / len(percentiles)
        for p_index, (metric, label) in enumerate(percentiles):
            values = [row["metrics"].get(metric, float("nan")) for row in best.values()]
            if all(math.isnan(v) for v in values):
                continue
            handles[label] = ax.bar([i - 0.4 + width * (p_index + 0.5) for i in range(len(best))],
                                    values, width, color=colours[p_index])
        ax.set_xticks(range(len(best)))
        ax.set_xticklabels([f"{rt} ({row['workers']}w)" for rt, row in best.items()],
                           rotation=20, ha="right", fontsize="small")
        ax.set_title(workload)
        ax.grid(axis="y", alpha=0.3)
        _log_axis(ax, "lat_p99_us", [row["metrics"].get(m, math.nan) for row in best.values()
                                     for m, _ in percentiles])
        ax.set_ylabel("latency (log axis)")
    hide_unused(axes, len(with_latency))
    return finish(fig, "Task latency percentiles per runtime, at its best worker count (Nw)",
                  handles, "percentile")


def chart_compare(result, metric):
    rows = [r for r in result["rows"] if r["metric"] == metric]
    if not rows:
        raise InputError(f"no '{metric}' rows to compare (metrics: {', '.join(result['metrics'])})")
    fig, ax = load_pyplot().subplots(figsize=(10, 1.2 + 0.45 * len(rows)))
    threshold = result["threshold"] * 100
    ax.axvspan(-threshold, threshold, color="#dddddd", alpha=0.6,
               label=f"noise threshold ±{threshold:g}%")
    ax.axvline(0, color="black", linewidth=0.8)
    seen = set()
    for y, row in enumerate(rows):
        change = (row["change"] or 0.0) * 100 if row["change"] is not None else float("nan")
        verdict = row["verdict"]
        colour = VERDICT_COLOURS.get(verdict, "black")
        xerr = None
        if row["ci_low"] is not None and row["ci_high"] is not None:
            xerr = [[max(0.0, change - row["ci_low"] * 100)], [max(0.0, row["ci_high"] * 100 - change)]]
        ax.errorbar([change], [y], xerr=xerr, fmt="o", color=colour, capsize=4,
                    label=verdict if verdict not in seen else None)
        seen.add(verdict)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r["benchmark"] for r in rows], fontsize="small")
    ax.invert_yaxis()
    direction = rows[0]["direction"]
    ax.set_xlabel(f"change of median {metric}, NEW vs BASE (%; {direction} is better), "
                  f"with {100 * (1 - result['alpha']):g}% interval")
    notes = []
    if result["only_in_base"]:
        notes.append(f"{len(result['only_in_base'])} only in BASE")
    if result["only_in_new"]:
        notes.append(f"{len(result['only_in_new'])} only in NEW")
    if result["errored"]:
        notes.append(f"{len(result['errored'])} errored")
    ax.set_title(f"Comparison: {metric}" + (f" ({', '.join(notes)})" if notes else ""))
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize="small", loc="best")
    fig.tight_layout()
    return fig


def usl(sigma, kappa, lam, n):
    return lam * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))


def chart_tune(result):
    """A panel per workload x runtime: measured medians with their min-max range, the USL curve
    fitted by execbench-report, and vertical lines at N*, the Goetz estimate and the
    recommendation (log2 x axis: sweeps double the workers)."""
    series = result["results"]
    # At least 14 inches across: the six legend entries and the title need it with one panel.
    fig, axes, columns = grid(len(series), width=max(5.2, 14 / min(len(series), 3)))
    handles = {}
    for index, r in enumerate(series):
        ax = axes.flat[index]
        points = r["points"]
        workers = [p["workers"] for p in points]
        # An open loop is tuned by p99 latency (its throughput is the arrival rate): that is
        # drawn, with the range of its median, and no USL curve.
        open_loop = bool(r.get("open_loop"))
        if open_loop:
            medians = [p["lat_p99_us"] for p in points]
            errors = [[m - p["lat_p99_low_us"] for m, p in zip(medians, points)],
                      [p["lat_p99_high_us"] - m for m, p in zip(medians, points)]]
        else:
            medians = [p["throughput"] for p in points]
            errors = [[m - p["throughput_min"] for m, p in zip(medians, points)],
                      [p["throughput_max"] - m for m, p in zip(medians, points)]]
        handles["measured (median, min-max)"] = ax.errorbar(
            workers, medians, yerr=errors, fmt="o", color="black", capsize=3, zorder=3)
        low, high = min(workers), max(workers)
        marks = [v for v in (r["n_star"], r["goetz_workers"]) if v is not None]
        high_x = max([high] + [v for v in marks if v <= 4 * high])
        low_x = min([low] + [v for v in marks if v >= low / 4])
        xs = [low_x * (high_x / low_x) ** (i / 200) for i in range(201)]
        if not open_loop:
            line, = ax.plot(xs, [usl(r["sigma"], r["kappa"], r["lambda"], x) for x in xs],
                            color="#1f77b4", linestyle="-" if r["reliable"] else ":")
            # The legend shows a solid line whichever panel came first; dotted: unreliable.
            if r["reliable"] or "USL fit (dotted: unreliable, R² < 0.9)" not in handles:
                handles["USL fit (dotted: unreliable, R² < 0.9)"] = line
        if not open_loop and r["n_star"] is not None and low_x <= r["n_star"] <= high_x:
            handles["N* (USL peak)"] = ax.axvline(r["n_star"], color="#1f77b4", linestyle="--",
                                                 linewidth=1)
        if r["goetz_workers"] is not None and low_x <= r["goetz_workers"] <= high_x:
            handles["Goetz: cores × (1 + W/C)"] = ax.axvline(r["goetz_workers"], color="#ff7f0e",
                                                            linestyle="-.", linewidth=1)
        handles["recommended"] = ax.axvline(r["recommended_workers"], color="#2ca02c",
                                            linewidth=2, alpha=0.6)
        # The counts that cannot be told apart from the recommendation (absent in older JSON).
        low_n, high_n = r.get("recommended_low"), r.get("recommended_high")
        if low_n is not None and high_n is not None and low_n < high_n:
            handles["≈ recommended"] = ax.axvspan(low_n, high_n, color="#2ca02c", alpha=0.12,
                                                  linewidth=0)
        at = "recommended_lat_p99_us" if open_loop else "recommended_throughput"
        ax.plot([r["recommended_workers"]], [r[at]], marker="*", markersize=14, color="#2ca02c",
                zorder=4)
        best = r["best_lat_p99_us"] if open_loop else r["best_throughput"]
        handles["best measured"], = ax.plot([r["best_workers"]], [best],
                                            marker="D", markersize=8, color="#d62728",
                                            fillstyle="none", linestyle="none", zorder=4)
        ax.set_xscale("log", base=2)
        ax.set_xticks(workers)
        ax.set_xticklabels([str(w) for w in workers], fontsize="small")
        ax.set_xlabel("workers (log scale)")
        ax.set_ylabel("p99 latency (log axis)" if open_loop else "throughput (tasks/s)")
        if open_loop:
            # A runtime that falls behind at few workers is far off.
            _log_axis(ax, "lat_p99_us", [v for m, lo, hi in zip(medians, *errors)
                                         for v in (m - lo, m + hi)])
        else:
            ax.yaxis.set_major_formatter(_figure_formatter("tasks_per_s"))
        n_star = "none" if r["n_star"] is None else format_count(r["n_star"])
        fit = (f"R² = {r['r2']:.3f}" if r["reliable"]
               else f"unreliable fit, R² = {r['r2']:.2f}")
        fit_line = (f"σ = {format_count(r['sigma'])}, κ = {format_count(r['kappa'])}, "
                    f"N* = {n_star}, {fit}"
                    if not open_loop else
                    f"{r['offered_rate_per_s']:,.0f} tasks/s offered: no USL fit drawn")
        recommended = str(r["recommended_workers"])
        if low_n is not None and high_n is not None and low_n < high_n:
            recommended += f" ({low_n}–{high_n})"
        recommended += " workers"
        if r.get("open_loop"):
            recommended += " by p99 (open loop)"
        if r.get("edge"):
            recommended += (f"; best at the {'largest' if r['edge'] == 'max' else 'smallest'} "
                            "count swept")
        ax.set_title(f"{r['workload']} / {r['runtime']}: {recommended}\n"
                     f"{fit_line}",
                     fontsize="medium")
        ax.grid(alpha=0.3)
    hide_unused(axes, len(series))
    title = (f"Worker count tuning: the fewest workers within {100 * result['within']:g}% of the "
             "best throughput")
    if result["skipped"]:
        title += (f"\n{len(result['skipped'])} series skipped: "
                  + "; ".join(f"{k['workload']}/{k['runtime']}" for k in result["skipped"][:4])
                  + (" ..." if len(result["skipped"]) > 4 else "") + " (see execbench-report tune)")
    return finish(fig, title, handles, None)


# --------------------------------------------------------------------------------------------
# Output


def _temporary_beside(path):
    """A new temporary file in `path`'s folder (so that a rename stays on one file system)."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=os.path.basename(path) + ".", suffix=".tmp",
                                     dir=os.path.dirname(path) or ".")
    os.close(fd)
    return temporary


def _write_all(writers):
    """writers: [(final path, function writing to a given path)]. Every file is written to a
    temporary first and renamed only once all are written: all of them or none."""
    done = []
    try:
        for path, write in writers:
            temporary = _temporary_beside(path)
            done.append((temporary, path))
            write(temporary)
        # A rename that would fail (a directory in the way) is found before any is done.
        for _, path in done:
            if os.path.isdir(path):
                raise IsADirectoryError(errno.EISDIR, "is a directory", path)
        for temporary, path in done:
            os.chmod(temporary, 0o666 & ~_umask())
            os.replace(temporary, path)
            print(path)
    finally:
        for temporary, _ in done:
            if os.path.exists(temporary):
                os.unlink(temporary)
    return [path for _, path in done]


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def save(fig, directory, stem, formats):
    paths = _write_all([(os.path.join(directory, f"{stem}.{fmt}"),
                         lambda temporary, fmt=fmt: fig.savefig(temporary, format=fmt, dpi=120))
                        for fmt in formats])
    plt.close(fig)
    return paths


def find_report_binary(explicit):
    candidates = [explicit, os.environ.get("EXECBENCH_REPORT"),
                  os.path.join(REPO_ROOT, "build", "release", "reports", "execbench-report")]
    candidates += sorted(glob.glob(os.path.join(REPO_ROOT, "build", "*", "reports", "execbench-report")))
    candidates.append(shutil.which("execbench-report"))
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    if explicit:
        raise InputError(f"{explicit}: not an executable execbench-report")
    raise InputError("execbench-report not found: build it (cmake --build build/release --target "
                     "execbench-report) or pass --report-bin PATH")


def run_compare(binary, base, new, threshold, alpha):
    # Read every file first so that bad input is reported by this script in its own words;
    # a side may pool several files, comma separated, as execbench-report accepts them.
    for path in base.split(",") + new.split(","):
        read_report(path)
    command = [binary, "compare", "--format", "json", "--metric", "all", base, new]
    if threshold is not None:
        command += ["--threshold", str(threshold)]
    if alpha is not None:
        command += ["--alpha", str(alpha)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode not in (0, 1):
        message = result.stderr.strip().splitlines()
        message = message[0] if message else f"exit status {result.returncode}"
        raise InputError(message.removeprefix("execbench-report: "))
    return json.loads(result.stdout)


def run_tune(binary, sweep, within):
    read_report(sweep)  # bad input reported by this script in its own words
    command = [binary, "tune", "--format", "json", sweep]
    if within is not None:
        command += ["--within", str(within)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        message = result.stderr.strip().splitlines()
        message = message[0] if message else f"exit status {result.returncode}"
        raise InputError(message.removeprefix("execbench-report: "))
    return json.loads(result.stdout)


# --------------------------------------------------------------------------------------------
# Inline SVG for the page: real <text>, a <title> on every point (the browser shows it on
# hover), ids unique on the page, coordinates to 0.1 px, no external reference.

_SVG_COORDINATE_ATTRIBUTES = re.compile(
    r'\b(d|x|y|x1|x2|y1|y2|width|height|points|transform|viewBox)="([^"]*)"')
_LONG_DECIMAL = re.compile(r"(-?\d+\.\d)\d+")


def _round_coordinates(match):
    value = _LONG_DECIMAL.sub(r"\1", match.group(2))
    return f'{match.group(1)}="{value}"'


def _unwrap_plain_groups(text):
    """Drops every <g> without attributes (matplotlib nests one per artist and tick), keeping
    what it holds; a <g> with attributes (an id, a clip, a style) stays."""
    out, kept, position = [], [], 0
    for match in re.finditer(r"<g\b[^>]*>|</g>", text):
        out.append(text[position:match.start()])
        position = match.end()
        tag = match.group(0)
        if tag == "</g>":
            if kept.pop():
                out.append(tag)
        elif tag == "<g>":
            kept.append(False)
        else:
            kept.append(True)
            out.append(tag)
    out.append(text[position:])
    return "".join(out)


def _styles_to_classes(text, prefix):
    """Each distinct style="..." becomes a class of a <style> of its own: matplotlib repeats the
    same long style on every tick, grid line and marker."""
    names = {}

    def to_class(match):
        style = match.group(1)
        if style not in names:
            names[style] = f"{prefix}s{len(names)}"
        return f'class="{names[style]}"'

    text = re.sub(r'style="([^"]*)"', to_class, text)
    rules = "".join(f".{name}{{{style}}}" for style, name in names.items())
    return text.replace(">", f"><style>{rules}</style>", 1)  # right after <svg ...>


_chart_numbers = itertools.count()


def inline_svg(fig, titles=None, label=""):
    """The figure as an <svg> element to write inside HTML. `titles`: {gid: text} of artists
    drawn with gid=...; each gets an SVG <title> (its hover text). Ids and classes are made
    short and unique on the page (c<chart>i<n>, c<chart>s<n>), so that several charts share it;
    ids nothing refers to are dropped, and so are matplotlib's empty groups and repeated styles
    (a default run's page stays under 600 KB)."""
    prefix = f"c{next(_chart_numbers)}"
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None,
                                                "Type": None})
    plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r'\s(xmlns(:xlink)?|version)="[^"]*"', "", text, count=3)
    text = re.sub(r"'DejaVu Sans'[^;\"]*sans-serif", "sans-serif", text)
    text = re.sub(r'\stransform="rotate\(-0 [^"]*\)"', "", text)
    text = _SVG_COORDINATE_ATTRIBUTES.sub(_round_coordinates, text)
    text = re.sub(r"\s*\n\s*", "\n", text)
    text = re.sub(r'\n"', '"', text)  # path data ends in a newline
    text = re.sub(r"\n(?=[LMCQz])", " ", text)  # path data on one line
    text = re.sub(r">\n<", "><", text)
    text = re.sub(r' d="([^"]*)"', lambda m: ' d="' + re.sub(r"([MLCQz]) ", r"\1", m.group(1))
                  .replace(" M", "M").replace(" L", "L").replace(" C", "C").replace(" z", "z")
                  + '"', text)
    text = text.replace("<style type=\"text/css\">*{stroke-linejoin: round; stroke-linecap: butt}"
                        "</style>", "")
    titles = titles or {}
    referenced = set(re.findall(r'(?:url\(#|href="#)([^)"]+)', text))
    short = {}  # matplotlib's ids (hashes) made short: c3 plus a number

    def rename(match):
        name = match.group(1)
        if name in titles or name in referenced:
            return f' id="{prefix}i{short.setdefault(name, len(short))}"'
        return ""

    text = re.sub(r'\sid="([^"]+)"', rename, text)
    text = re.sub(r'(url\(#|href="#)([^)"]+)',
                  lambda m: f"{m.group(1)}{prefix}i{short[m.group(2)]}", text)
    text = _unwrap_plain_groups(text)
    text = text.replace("<defs></defs>", "")
    text = _styles_to_classes(text, prefix)
    for gid, title in titles.items():
        if gid in short:
            name = f"{prefix}i{short[gid]}"
            text = text.replace(f'<g id="{name}">',
                                f'<g id="{name}"><title>{html.escape(title)}</title>', 1)
    # Sized by the page's CSS (width 100%), drawn to scale by its viewBox; lines join round as
    # matplotlib's own stylesheet said.
    text = re.sub(r'<svg width="[^"]*" height="[^"]*"',
                  f'<svg class="chart" role="img" aria-label="{html.escape(label)}"', text, count=1)
    return text


# --------------------------------------------------------------------------------------------
# The page's charts: one figure per workload, the primitives, a comparison's repetitions, the
# history. Every point is an artist of its own with a gid, so that it carries its row's figures.

# Legends and tables list runtimes in this order (docs/design.md, "The runtimes"), others by name.
RUNTIME_ORDER = ["loop", "loop_offload", "loop_uring", "asio", "thread_per_task", "thread_pool",
                 "tbb"]


def runtime_key(runtime):
    return (RUNTIME_ORDER.index(runtime) if runtime in RUNTIME_ORDER else len(RUNTIME_ORDER),
            runtime)


def range_text(figures, metric, with_n=True):
    """'17,860 tasks/s [17,100–18,200] n=3' for median_range's tuple ('n=1, no range'); the
    unit is written once when the median and both ends share it."""
    median, low, high, n, kind = figures
    if n == 0:
        return "-"
    text = format_figure(median, metric)
    if kind == "single":
        return f"{text} (n=1, no range)" if with_n else f"{text} (no range)"
    low, high = format_figure(low, metric), format_figure(high, metric)
    unit = text.partition(" ")[2]
    if unit and low.endswith(" " + unit) and high.endswith(" " + unit):
        low, high = low[: -len(unit) - 1], high[: -len(unit) - 1]  # '[14,450–16,330]'
    return f"{text} [{low}–{high}]" + (f" n={n}" if with_n else "")


def point_title(row, metric, panel_metric=None):
    """The hover text of a row's point: its name, the figure of the panel it is in with its
    range and n, then the row's other figures (medians; the folded table has their ranges)."""
    panel_metric = panel_metric or metric
    lines = [f"{row['workload']} / {row['runtime']} / {row['workers']} workers"]
    labels = {metric: "", "lat_p50_us": "p50 ", "lat_p99_us": "p99 ", "efficiency": "efficiency ",
              "cpu_util": "CPU use ", "max_rss_mb": "max RSS ", "metg_us": "METG "}
    figures = row_range(row, panel_metric)
    if figures[3]:
        lines.append(labels.get(panel_metric, "") + range_text(figures, panel_metric))
    others = [labels[key] + format_figure(row["metrics"][key], key) for key in labels
              if key != panel_metric and key in row["metrics"]]
    if others:
        lines.append(" · ".join(others))
    return "\n".join(lines)


def _figure_formatter(metric):
    """Tick labels as people write figures; counts without their unit (the panel's title has
    it), durations with theirs (they change from µs to ms along an axis)."""
    def label(value, _):
        if value < 0 and metric != "efficiency":
            return ""
        if metric in THROUGHPUT_UNITS or metric not in ("real_time", "cpu_time") and \
                not metric.endswith(("_us", "_ms")):
            return format_count(value)
        return format_figure(value, metric)
    return ticker.FuncFormatter(label)


def _log_ticks(low, high):
    """Ticks for a log axis over [low, high]: 1-2-5 in each decade, thinned to 1 a decade when
    too many, and at least two (matplotlib's own leave a short range with one label or none)."""
    if not (low > 0 and high > 0):
        return None
    candidates = [m * 10.0 ** k for k in range(math.floor(math.log10(low)) - 1,
                                               math.ceil(math.log10(high)) + 2)
                  for m in (1, 2, 5)]
    inside = [t for t in candidates if low <= t <= high]
    if len(inside) > 7:
        inside = [t for t in inside if f"{t:e}".startswith("1")]
    if len(inside) < 2:
        below = [t for t in candidates if t < low]
        above = [t for t in candidates if t > high]
        inside = below[-1:] + inside + above[:1]
    return inside


def _log_axis(ax, metric, values):
    """A log y axis labelled as people write figures, at 1-2-5 ticks."""
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(_figure_formatter(metric))
    ax.yaxis.set_minor_locator(ticker.NullLocator())  # the 1-2-5 ticks say enough, and cost less
    finite = [v for v in values if v > 0 and math.isfinite(v)]
    if finite:
        low, high = min(finite), max(finite)
        ticks = _log_ticks(low / 1.15, high * 1.15)
        ax.set_yticks(ticks)
        ax.set_ylim(min(low / 1.15, ticks[0]), max(high * 1.15, ticks[-1]))


def _series_panel(ax, rows, metric, gid_prefix, titles, title_metric, log=False):
    """Per runtime, `metric`'s median against workers with its range as a bar and every point
    an artist of its own (gid: hover text). Returns {runtime: legend handle}."""
    handles, values = {}, []
    for index, runtime in enumerate(sorted({r["runtime"] for r in rows}, key=runtime_key)):
        colour = runtime_colour(runtime, index)
        points = []
        for row in sorted((r for r in rows if r["runtime"] == runtime), key=lambda r: r["workers"]):
            median, low, high, n, _ = row_range(row, metric)
            if n:
                points.append((row, median, low, high))
        if not points:
            continue
        xs = [p[0]["workers"] for p in points]
        ys = [p[1] for p in points]
        values += [p[2] for p in points] + [p[3] for p in points]
        handles[runtime], = ax.plot(xs, ys, color=colour, linewidth=1.2)
        # The range as a bar without caps and unclipped: a default run's page has about 800
        # points, and matplotlib writes each cap, and each clipped marker, as elements of its own.
        ax.vlines(xs, [p[2] for p in points], [p[3] for p in points], color=colour, linewidth=1.6,
                  alpha=0.55)
        for row, median, _, _ in points:
            gid = f"{gid_prefix}{len(titles)}"
            ax.plot([row["workers"]], [median], marker="o", markersize=4.5, color=colour,
                    linestyle="none", gid=gid, clip_on=False)
            titles[gid] = point_title(row, title_metric, metric)
    workers = sorted({r["workers"] for r in rows})
    ax.set_xscale("log", base=2)
    ax.set_xticks(workers)
    ax.set_xticklabels([str(w) for w in workers])
    ax.xaxis.set_minor_locator(ticker.NullLocator())
    if len(workers) == 1:
        ax.set_xlim(workers[0] / 1.5, workers[0] * 1.5)
    ax.set_xlabel("workers")
    ax.grid(alpha=0.3)
    if log:
        _log_axis(ax, metric, values)
    else:
        ax.yaxis.set_major_formatter(_figure_formatter(metric))
        ax.set_ylim(bottom=0)
    return handles


def _runtime_legend(fig, handles, rows_of_panels=1):
    ordered = sorted(handles, key=runtime_key)
    fig.legend([handles[r] for r in ordered], ordered, loc="lower center", ncol=len(ordered),
               frameon=False, fontsize="small")
    height = fig.get_size_inches()[1]
    fig.tight_layout(rect=(0, 0.35 / height, 1, 1), w_pad=2.0)


def chart_workload(workload, rows, prefix):
    """A workload's figure: throughput, p99 latency (log axis) and efficiency against workers,
    one line per runtime, every point with its range; panels without data are left out.
    Returns (figure, {gid: hover text})."""
    load_pyplot()
    metric = throughput_metric(rows)
    panels = [(metric, f"throughput ({THROUGHPUT_UNITS[metric]})", False)]
    if any("lat_p99_us" in r["metrics"] for r in rows):
        panels.append(("lat_p99_us", "p99 latency (log axis)", True))
    if any("efficiency" in r["metrics"] for r in rows):
        panels.append(("efficiency", "efficiency (ideal ÷ makespan)", False))
    fig, axes = plt.subplots(1, len(panels), figsize=(3.7 * len(panels) + 0.3, 3.2), squeeze=False)
    titles, handles = {}, {}
    for ax, (key, title, log) in zip(axes[0], panels):
        handles.update(_series_panel(ax, rows, key, f"{prefix}{len(titles)}-", titles, metric,
                                     log=log))
        ax.set_title(title, fontsize="medium")
    _runtime_legend(fig, handles)
    return fig, titles


def chart_primitives(groups, prefix):
    """One panel per primitive: its throughput against workers per runtime (log y axis: the
    runtimes lie orders of magnitude apart). Returns (figure, {gid: hover text})."""
    load_pyplot()
    names = list(groups)
    columns = min(3, len(names))
    lines = math.ceil(len(names) / columns)
    fig, axes = plt.subplots(lines, columns, figsize=(3.8 * columns + 0.3, 2.9 * lines + 0.35),
                             squeeze=False)
    titles, handles = {}, {}
    for ax, name in zip(axes.flat, names):
        rows = groups[name]
        metric = throughput_metric(rows)
        handles.update(_series_panel(ax, rows, metric, f"{prefix}{len(titles)}-", titles, metric,
                                     log=True))
        ax.set_title(f"{name.removeprefix('primitive/')} ({THROUGHPUT_UNITS[metric]})",
                     fontsize="medium")
    for ax in axes.flat[len(names):]:
        ax.remove()  # no empty panels
    _runtime_legend(fig, handles)
    return fig, titles


# What each built-in METG family sweeps (execbench --metg; a user's file is its own family).
METG_FAMILIES = {"cpu": "independent CPU (spin) tasks of the grain",
                 "wait": "100 tasks, each waiting the grain on a timer again and again"}


def metg_sweeps(document, path):
    """{family: [sweep]} of the report's METG rows (metg/<family>/<runtime>/workers:<N>), each
    family's sweeps in runtime order. A sweep: its runtime and workers; its points from the
    rows' labels ([[grain_us, median, min, max], ...], execbench's register_metg.hpp) pooled
    over repetitions by grain (median of the medians, least min, greatest max), coarse to fine;
    its METG (median over repetitions; None when it never reached the threshold) with its range;
    its best efficiency and threshold. InputError for a label that is not such points."""
    by_name = {}
    for index, row in enumerate(document["benchmarks"]):
        name = row.get("run_name", row["name"])
        if not name.startswith("metg/") or row.get("run_type") == "aggregate" \
                or row.get("error_occurred"):
            continue
        try:
            points = json.loads(row.get("label") or "[]")
            points = [tuple(float(v) for v in p) for p in points]
            if any(len(p) != 4 for p in points):
                raise ValueError
        except (ValueError, TypeError):
            raise InputError(f"{path}: benchmarks[{index}] ({_one_line(name)}): its label is not "
                             "METG points ([[grain_us, median, min, max], ...])") from None
        by_name.setdefault(name, []).append((row, points))
    families = {}
    for name, repetitions in by_name.items():
        workload, runtime, workers = parse_name(name)
        pooled = {}
        for _, points in repetitions:
            for grain, median, low, high in points:
                pooled.setdefault(grain, []).append((median, low, high))

        def counter(key):
            values = [_number(row.get(key)) for row, _ in repetitions]
            values = [v for v in values if v is not None and math.isfinite(v)]
            return statistics.median(values) if values else None
        families.setdefault(workload.removeprefix("metg/"), []).append({
            "runtime": runtime, "workers": workers,
            "points": [(g, statistics.median(m for m, _, _ in v), min(lo for _, lo, _ in v),
                        max(hi for _, _, hi in v)) for g, v in sorted(pooled.items(), reverse=True)],
            "metg": counter("metg_us"), "low": counter("metg_low_us"),
            "high": counter("metg_high_us"), "below": counter("metg_below_us"),
            "best": counter("best_efficiency"), "threshold": counter("metg_threshold") or 0.5,
            "n": len(repetitions)})
    for sweeps in families.values():
        sweeps.sort(key=lambda s: (runtime_key(s["runtime"]), s["workers"]))
    return families


def metg_words(sweep):
    """'1.35 µs [1.32–1.45]', '2 µs [980 ns–3 µs]', 'below 1 µs', 'never (best 0.4998)'."""
    if sweep["metg"] is not None:
        text = format_duration(sweep["metg"], "us")
        low = format_duration(sweep["low"], "us") if sweep["low"] is not None else "below sweep"
        high = format_duration(sweep["high"], "us") if sweep["high"] is not None else "never"
        unit = text.partition(" ")[2]
        if low.endswith(" " + unit) and high.endswith(" " + unit):
            low, high = low[: -len(unit) - 1], high[: -len(unit) - 1]
        return f"{text} [{low}–{high}]"
    if sweep["below"] is not None:
        return f"below {format_duration(sweep['below'], 'us')}"
    best = f" (best {sweep['best']:.4g})" if sweep["best"] is not None else ""
    return "never" + best


def chart_metg(families, prefix="metg"):
    """A panel per METG family: efficiency against task grain (log axis), a line per runtime and
    worker count with each point's range over its repetitions, the threshold as a dashed line,
    and each METG as a diamond on it; the legend under each panel gives the METGs. Returns
    (figure, {gid: hover text})."""
    load_pyplot()
    count = len(families)
    fig, axes = plt.subplots(1, count, figsize=(max(9.0, 6.4 * count), 5.6), squeeze=False)
    titles = {}
    for ax, (family, sweeps) in zip(axes[0], families.items()):
        threshold = sweeps[0]["threshold"]
        handles, grains = {}, []
        for index, sweep in enumerate(sweeps):
            colour = runtime_colour(sweep["runtime"], index)
            points = sweep["points"]
            if not points:
                continue
            xs = [p[0] for p in points]
            grains += xs
            style = "-" if index == 0 or sweeps[index - 1]["runtime"] != sweep["runtime"] else "--"
            line, = ax.plot(xs, [p[1] for p in points], color=colour, linewidth=1.3,
                            linestyle=style)
            ax.vlines(xs, [p[2] for p in points], [p[3] for p in points], color=colour,
                      linewidth=1.6, alpha=0.5)
            who = f"{sweep['runtime']} ×{sweep['workers']}"
            for grain, median, low, high in points:
                gid = f"{prefix}{len(titles)}"
                ax.plot([grain], [median], marker="o", markersize=3.5, color=colour,
                        linestyle="none", gid=gid, clip_on=False)
                titles[gid] = (f"metg/{family} / {who} at {format_duration(grain, 'us')}: "
                               f"efficiency {median:.3g} [{low:.3g}–{high:.3g}]")
            if sweep["metg"] is not None:
                gid = f"{prefix}{len(titles)}"
                ax.plot([sweep["metg"]], [threshold], marker="D", markersize=7, color=colour,
                        markeredgecolor="black", linestyle="none", zorder=5, gid=gid)
                titles[gid] = f"metg/{family} / {who}: METG {metg_words(sweep)}, n={sweep['n']}"
            handles[f"{who}: {metg_words(sweep)}"] = line
        ax.axhline(threshold, color="#444444", linestyle=":", linewidth=1.2)
        ax.set_xscale("log")
        if grains:
            ax.set_xticks(_log_ticks(min(grains), max(grains)))
            ax.set_xlim(min(grains) / 1.3, max(grains) * 1.3)
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(
            lambda v, _: format_duration(v, "us")))
        ax.xaxis.set_minor_locator(ticker.NullLocator())
        ax.set_ylim(0, 1.05)
        ax.set_xlabel("task grain (per task, log axis)")
        ax.set_ylabel("efficiency (ideal ÷ makespan, on every core)")
        description = METG_FAMILIES.get(family, "the workload file's tasks scaled to the grain")
        ax.set_title(f"metg/{family}: {description}", fontsize="medium", wrap=True)
        ax.grid(alpha=0.3)
        ax.legend(handles.values(), handles.keys(), title=f"METG at {threshold:.0%} [range]",
                  loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize="small",
                  frameon=False)
    title = ("METG: the smallest task grain at which each runtime keeps its efficiency at the "
             "threshold (dotted line; diamonds). Lower is better.")
    fig.suptitle("\n".join(textwrap.wrap(title, int(fig.get_size_inches()[0] * 11))))
    fig.tight_layout()
    return fig, titles


def sample_values(documents, name, metric):
    """Every repetition's value of `metric` for run name `name` over the documents (aggregate
    rows are not samples); overhead_ms is derived per run as execbench-report derives it."""
    values = []
    for document in documents:
        for row in document["benchmarks"]:
            if row.get("run_name", row["name"]) != name or row.get("run_type") == "aggregate" \
                    or row.get("error_occurred"):
                continue
            if metric == "overhead_ms":
                value = _number(row.get("makespan_ms"))
                ideal = _number(row.get("ideal_ms"))
                value = None if value is None or ideal is None else value - ideal
            elif metric in ("real_time", "cpu_time"):
                value = _number(row.get(metric))
                value = None if value is None else value * _NS_PER_UNIT[row.get("time_unit", "ns")]
            else:
                value = _number(row.get(metric))
            if value is not None and math.isfinite(value):
                values.append(value)
    return values


def chart_strip(entries, prefix, threshold):
    """A comparison's repetitions before its verdicts: per row, BASE's and NEW's samples of the
    metric the gate judged, as points relative to BASE's median, with the verdict at the right.
    entries: [(label, metric, direction, base values, new values, verdict, change)].
    Returns (figure, {gid: hover text})."""
    load_pyplot()
    fig, ax = plt.subplots(figsize=(11.4, 0.9 + 0.27 * len(entries)))
    titles = {}
    ax.axvspan(-100 * threshold, 100 * threshold, color="#e6e6e6", linewidth=0)
    ax.axvline(0, color="#555555", linewidth=0.8)
    base_handle = new_handle = None
    labels, verdicts = [], []
    for y, (label, metric, direction, base, new, verdict, change) in enumerate(entries):
        centre = statistics.median(base) if base else 0.0

        def relative(v):
            return 100 * (v / centre - 1) if centre else 0.0

        for side, values, offset, colour in (("BASE", base, -0.17, "#7f7f7f"),
                                             ("NEW", new, 0.17, "#1f77b4")):
            if not values:
                continue
            gid = f"{prefix}-{len(titles)}"
            # A small deterministic jitter within the row's half, so equal values stay visible.
            jitter = [offset + 0.06 * ((i * 7) % 5 - 2) / 2 for i in range(len(values))]
            handle, = ax.plot([relative(v) for v in values], [y + j for j in jitter], marker="o",
                              markersize=3.5, linestyle="none", color=colour, alpha=0.75, gid=gid)
            if side == "BASE":
                base_handle = handle
            else:
                new_handle = handle
            titles[gid] = (f"{label} ({metric}), {side}: n={len(values)}, median "
                           f"{format_figure(statistics.median(values), metric)}; repetitions "
                           + ", ".join(format_figure(v, metric) for v in sorted(values)))
        labels.append(label)
        change_text = "" if change is None else f" {100 * change:+.1f}%"
        verdicts.append((verdict + change_text, VERDICT_COLOURS.get(verdict, "black")))
    ax.set_yticks(range(len(entries)))
    ax.set_yticklabels(labels, fontsize="small")
    ax.set_ylim(len(entries) - 0.5, -0.5)
    right = ax.twinx()
    right.set_ylim(ax.get_ylim())
    right.set_yticks(range(len(entries)))
    right.set_yticklabels([v for v, _ in verdicts], fontsize="small")
    for tick, (_, colour) in zip(right.get_yticklabels(), verdicts):
        tick.set_color(colour)
    metrics = sorted({e[1] for e in entries})
    ax.set_xlabel(f"each repetition against BASE's median, % ({', '.join(metrics)}; grey band: "
                  f"±{100 * threshold:g}% threshold)", fontsize="small")
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(
        lambda v, _: f"{v:+g}%"))
    ax.grid(axis="x", alpha=0.3)
    handles = [(h, t) for h, t in ((base_handle, "BASE"), (new_handle, "NEW")) if h is not None]
    if handles:
        ax.legend([h for h, _ in handles], [t for _, t in handles], loc="lower left",
                  bbox_to_anchor=(0, 1), ncol=2, frameon=False, fontsize="small")
    fig.tight_layout()
    return fig, titles


# --------------------------------------------------------------------------------------------
# History across commits (asv's view): reports in the repository's commit order, pooled per
# commit, each workload's best throughput and its p99 with their ranges, and the changes that
# execbench-report compare calls significant between consecutive commits.


def _git(repo, *args):
    try:
        result = subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True,
                                timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def _commit_order(shas, repo):
    """{sha: position} in the repository's commit order (ancestors first), or None when the
    repository is not at hand or lacks one of the commits."""
    if not shas or any(not s for s in shas):
        return None
    full = {}
    for sha in set(shas):
        if not re.fullmatch(r"[0-9a-fA-F]{4,40}", sha):
            return None
        resolved = _git(repo, "rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}")
        if not resolved:
            return None
        full[sha] = resolved
    listing = _git(repo, "rev-list", "--topo-order", "--reverse", *sorted(set(full.values())))
    if listing is None:
        return None
    position = {commit: i for i, commit in enumerate(listing.split())}
    return {sha: position[commit] for sha, commit in full.items()}


def history_commits(paths, documents, repo=REPO_ROOT):
    """[{sha, label, date, paths, documents}] in commit order (git rev-list --topo-order over
    the reports' context git_sha) when the repository holds every commit, else by context date;
    reports of one commit pooled. Returns (commits, how they were ordered)."""
    contexts = [d.get("context", {}) for d in documents]
    shas = [str(c.get("git_sha", "")) for c in contexts]
    dates = [str(c.get("date", "")) for c in contexts]
    order = _commit_order(shas, repo)
    commits = {}
    for path, document, sha, date in zip(paths, documents, shas, dates):
        key = sha or f"(no git_sha: {os.path.basename(path)})"
        entry = commits.setdefault(key, {"sha": sha, "paths": [], "documents": [], "date": date})
        entry["paths"].append(path)
        entry["documents"].append(document)
        entry["date"] = min(entry["date"], date) if entry["date"] and date else entry["date"] or date
    if order is not None:
        ordered = sorted(commits.values(), key=lambda c: (order[c["sha"]], c["date"]))
        how = "commit order (git rev-list of this repository)"
    else:
        ordered = sorted(commits.values(), key=lambda c: (c["date"], c["sha"]))
        how = "date of the report (the repository does not hold every report's commit)"
    for c in ordered:
        c["label"] = (c["sha"][:10] or "?") + (f" ×{len(c['paths'])}" if len(c["paths"]) > 1 else "")
    return ordered, how


def pooled_rows(documents):
    """{run name: row} over one commit's reports: one report's samples are its repetitions;
    several reports are pooled with each report's median as one sample (the process is the unit
    of replication, as in execbench-report compare)."""
    per_report = [benchmarks(d) for d in documents]
    if len(per_report) == 1:
        return {r["name"]: r for r in per_report[0] if r["error"] is None and r["metrics"]}
    pooled = {}
    for rows in per_report:
        for row in rows:
            if row["error"] is not None or not row["metrics"]:
                continue
            target = pooled.setdefault(row["name"], dict(row, samples={}, metrics={}))
            for key, value in row["metrics"].items():
                target["samples"].setdefault(key, []).append(value)
    for row in pooled.values():
        row["metrics"] = {k: statistics.median(v) for k, v in row["samples"].items()}
        row["repetitions"] = len(documents)
    return pooled


def _best_row(rows):
    """The workload's best row: highest median throughput; open loop (offered_rate_per_s):
    lowest median p99, as execbench-report summary ranks them."""
    if all("offered_rate_per_s" in r["metrics"] and "lat_p99_us" in r["metrics"] for r in rows):
        return min(rows, key=lambda r: r["metrics"]["lat_p99_us"]), "lat_p99_us"
    metric = throughput_metric(rows)
    return max(rows, key=lambda r: throughput(r, metric)), metric


def build_history(paths, documents, binary, threshold=None, alpha=None, repo=REPO_ROOT):
    """The history: commits in order, per workload and commit the best row with its ranges, and
    the verdicts of compare between consecutive commits for that row."""
    commits, how = history_commits(paths, documents, repo)
    series = {}
    for index, commit in enumerate(commits):
        rows = pooled_rows(commit["documents"])
        for workload, group in by_workload(rows.values()).items():
            if workload.startswith("metg/"):
                continue
            best, rank_by = _best_row(group)
            metric = throughput_metric(group)
            series.setdefault(workload, []).append({
                "commit": index, "row": best, "rank_by": rank_by, "metric": metric,
                "throughput": row_range(best, metric), "p99": row_range(best, "lat_p99_us"),
                "verdicts": {}})
    changes = []
    for index in range(1, len(commits)):
        result = run_compare(binary, ",".join(commits[index - 1]["paths"]),
                             ",".join(commits[index]["paths"]), threshold, alpha)
        verdicts = {}
        for r in result["rows"]:
            verdicts[(r["benchmark"], r["metric"])] = r
        significant = [r for r in result["rows"] if r["gated"]
                       and r["verdict"] in ("faster", "slower")]
        for workload, points in series.items():
            for point in points:
                if point["commit"] != index:
                    continue
                for key in (point["metric"], "lat_p99_us"):
                    r = verdicts.get((point["row"]["name"], key))
                    if r is None:
                        continue
                    point["verdicts"][key] = r
                    if r["verdict"] in ("faster", "slower") and r not in significant:
                        significant.append(r)
        # The table lists every gated row that changed and the drawn rows' own changes.
        for r in significant:
            workload = parse_name(r["benchmark"])[0]
            if workload in series:
                changes.append({"workload": workload, "from": commits[index - 1]["label"],
                                "to": commits[index]["label"], "commit": index,
                                "benchmark": r["benchmark"], "metric": r["metric"],
                                "verdict": r["verdict"], "change": r["change"],
                                "gated": r["gated"]})
    return {"commits": commits, "order": how, "series": series, "changes": changes}


def _history_panel(ax, points, key, commits, gid_prefix, titles, log):
    """One workload's best `key` over the commits, with ranges, and rings on the commits whose
    change compare calls significant (red slower, green faster)."""
    xs, ys, lows, highs = [], [], [], []
    for point in points:
        median, low, high, n, _ = point["throughput" if key != "lat_p99_us" else "p99"]
        if not n:
            continue
        xs.append(point["commit"])
        ys.append(median)
        lows.append(median - low)
        highs.append(high - median)
        metric = point["metric"] if key != "lat_p99_us" else "lat_p99_us"
        row = point["row"]
        verdict = point["verdicts"].get(metric)
        gid = f"{gid_prefix}-{len(titles)}"
        ax.plot([point["commit"]], [median], marker="o", markersize=4.5, color="#1f77b4",
                linestyle="none", gid=gid)
        commit = commits[point["commit"]]
        text = [f"{commit['label']} ({commit['date'][:10]}, {len(commit['paths'])} report(s))",
                f"best: {row['runtime']} / {row['workers']} workers",
                f"{'p99' if key == 'lat_p99_us' else 'throughput'}: "
                f"{range_text(point['throughput' if key != 'lat_p99_us' else 'p99'], metric)}"]
        if verdict:
            change = "" if verdict["change"] is None else f" {100 * verdict['change']:+.1f}%"
            text.append(f"against the commit before: {verdict['verdict']}{change}")
        titles[gid] = "\n".join(text)
        if verdict and verdict["verdict"] in ("faster", "slower"):
            ax.plot([point["commit"]], [median], marker="o", markersize=11, fillstyle="none",
                    markeredgewidth=1.8, linestyle="none",
                    color=VERDICT_COLOURS[verdict["verdict"]])
    if xs:
        ax.errorbar(xs, ys, yerr=[lows, highs], color="#1f77b4", linewidth=1, capsize=2.5)
    ax.set_xticks(range(len(commits)))
    ax.set_xticklabels([c["label"] for c in commits], rotation=30, ha="right", fontsize="x-small")
    ax.set_xlim(-0.5, len(commits) - 0.5)
    ax.grid(alpha=0.3)
    if log:
        _log_axis(ax, key, [y - lo for y, lo in zip(ys, lows)] + [y + h for y, h in zip(ys, highs)])
    else:
        ax.yaxis.set_major_formatter(_figure_formatter(key))
    return ys


def chart_history(history, workloads, prefix):
    """Per workload a line of two panels: its best throughput and the p99 of that row over the
    commits. Returns (figure, {gid: hover text})."""
    load_pyplot()
    commits = history["commits"]
    fig, axes = plt.subplots(len(workloads), 2, figsize=(11.4, 2.7 * len(workloads) + 0.2),
                             squeeze=False)
    titles = {}
    for line, workload in enumerate(workloads):
        points = history["series"][workload]
        metric = points[-1]["metric"]
        left, right = axes[line]
        _history_panel(left, points, metric, commits, f"{prefix}-t", titles, log=False)
        left.set_title(f"{workload}: best throughput ({THROUGHPUT_UNITS[metric]})",
                       fontsize="medium")
        if any(p["p99"][3] for p in points):
            _history_panel(right, points, "lat_p99_us", commits, f"{prefix}-p", titles, log=True)
            right.set_title(f"{workload}: p99 of that row (log axis)", fontsize="medium")
        else:
            right.remove()
    fig.tight_layout()
    return fig, titles


# --------------------------------------------------------------------------------------------
# The page: the answer first, a section per workload, the primitives, METG and host floors,
# the history, the context. One file, no network: inline SVG and CSS, no script.

PAGE_CSS = """
body { font-family: sans-serif; margin: 0 auto; padding: 0 1.2em 2em; max-width: 1180px;
       color: #222; line-height: 1.35; }
h1 { font-size: 1.35em; margin: 0.6em 0 0.1em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
h3 { font-size: 1.05em; }
.context { color: #555; font-size: 0.9em; margin: 0 0 0.4em; }
.notice { background: #fff4d6; border-left: 4px solid #e0a800; padding: 0.3em 0.6em; }
nav { font-size: 0.9em; margin: 0.3em 0 0.8em; } nav a { margin-right: 0.7em; white-space: nowrap; }
table { border-collapse: collapse; margin: 0.4em 0 1em; font-size: 0.88em; }
th, td { border: 1px solid #ddd; padding: 0.2em 0.5em; text-align: right; vertical-align: top; }
th { background: #f4f4f4; } td.l, th.l { text-align: left; }
svg.chart { width: 100%; height: auto; display: block; stroke-linejoin: round; }
details { margin: 0.3em 0 1em; } summary { cursor: pointer; color: #1f5fa8; }
.faster { color: #2ca02c; } .slower { color: #d62728; } .same { color: #666; }
.inconclusive { color: #8a8a00; } .note { color: #666; font-size: 0.88em; }
td.f { white-space: nowrap; } .tied { color: #555; font-size: 0.92em; }
#answer-table td { padding: 0.1em 0.45em; }
"""


def _slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def _e(text):
    return html.escape(str(text))


def run_summary(binary, path):
    """execbench-report summary --format json of the report: the answer's ranking, ties and
    ranges, the same as the console's."""
    result = subprocess.run([binary, "summary", "--format", "json", path], capture_output=True,
                            text=True)
    if result.returncode != 0:
        message = result.stderr.strip().splitlines()
        message = message[0] if message else f"exit status {result.returncode}"
        raise InputError(message.removeprefix("execbench-report: "))
    return json.loads(result.stdout)


def _summary_figure(figures, metric, with_n=True):
    """summary JSON's {median, low, high, n, range} as range_text does it."""
    if not figures:
        return "-"
    return range_text((figures["median"], figures["low"], figures["high"], figures["n"],
                       figures["range"]), metric, with_n)


def context_line(context):
    """Machine, cores, build, date, commit in one line; the library's "debug" is not the run's."""
    parts = []
    if context.get("cpu_model"):
        parts.append(_e(context["cpu_model"]))
    cores = context.get("num_cpus") or context.get("hardware_concurrency")
    if cores:
        parts.append(f"{_e(cores)} cores")
    build = context.get("build_type")
    if build:
        compiler = f" ({_e(context['compiler'])})" if context.get("compiler") else ""
        parts.append(f"{_e(build)} build{compiler}")
    if context.get("date"):
        parts.append(_e(str(context["date"]).replace("T", " ")[:16]))
    if context.get("git_sha"):
        parts.append(f"commit {_e(context['git_sha'])}")
    if context.get("host_name"):
        parts.append(f"host {_e(context['host_name'])}")
    return " · ".join(parts)


def _context_value(key, value):
    if key == "caches" and isinstance(value, list):
        names = {"Data": "d", "Instruction": "i", "Unified": ""}

        def size(c):
            size = c.get("size", 0)
            return format_count(size / 1024, "KiB") if size < 1 << 20 else \
                format_count(size / (1 << 20), "MiB")
        return ", ".join(
            f"L{c.get('level')}{names.get(c.get('type'), '')} {size(c)}"
            + (f" (shared by {c['num_sharing']})" if c.get("num_sharing", 1) > 1 else "")
            for c in value if isinstance(c, dict))
    if isinstance(value, (dict, list, bool)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def context_table(context):
    rows = []
    for key in sorted(context):
        value = _e(_context_value(key, context[key]))
        if key == "library_build_type" and str(context[key]).lower() == "debug":
            value += (" <span class='note'>(how Debian compiled libbenchmark 1.7.1 itself: it "
                      "times the loop and runs none of the measured code, which is built as "
                      f"build_type, {_e(context.get('build_type', '?'))})</span>")
        rows.append(f"<tr><th class='l'>{_e(key)}</th><td class='l'>{value}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def _verdict_span(verdict, change=None):
    text = verdict + ("" if change is None else f" {100 * change:+.1f}%")
    return f"<span class='{_slug(verdict)}'>{_e(text)}</span>"


def _best_cell(best):
    """'<b>loop</b> (1) ≈ loop_offload (1), asio (2)': the best, then those tied with it."""
    first = f"<b>{_e(best[0]['runtime'])}</b> ({best[0]['workers']})"
    if len(best) == 1:
        return first
    return first + " <span class='tied'>≈ " + ", ".join(
        f"{_e(r['runtime'])} ({r['workers']})" for r in best[1:]) + "</span>"


def answer_table(summary, comparison, anchors):
    """Per workload, the best runtime and workers (all of them when tied) with the ranking
    figure's median, range and n, p99 and efficiency; with BASE, the gated verdicts. One line a
    workload, so that a default run's answer fits the first screen."""
    head = ("<tr><th class='l'>workload</th><th class='l'>best runtime (workers) ≈ tied</th>"
            "<th>ranking figure [range]</th><th>n</th><th>p99 [range]</th>"
            "<th>efficiency [range]</th>")
    head += "<th class='l'>against BASE (gated rows)</th></tr>" if comparison else "</tr>"
    gated = {}
    if comparison:
        for r in comparison["rows"]:
            if r["gated"]:
                gated.setdefault(parse_name(r["benchmark"])[0], []).append(r)
    lines = []
    for w in summary["workloads"]:
        if w["workload"].startswith(("primitive/", "metg/")):
            continue
        rows = {r["name"]: r for r in w["rows"]}
        best = [rows[name] for name in w["best"] if name in rows]
        if not best:
            continue
        top = best[0]
        flags = " <span class='slower'>behind the rate</span>" if top.get("behind_rate") else ""
        rank = _summary_figure({k: top[k] for k in ("median", "low", "high", "n", "range")},
                               w["rank_by"], with_n=False)
        if w.get("open_loop"):
            rank = "p99 " + rank
        cell = (f"<tr><td class='l'><a href='#{anchors[w['workload']]}'>{_e(w['workload'])}</a>"
                f"</td><td class='l'>{_best_cell(best)}{flags}</td><td class='f'>{_e(rank)}</td>"
                f"<td>{top['n']}</td>"
                f"<td class='f'>{_e(_summary_figure(top.get('p99_us'), 'lat_p99_us', False))}</td>"
                f"<td class='f'>{_e(_summary_figure(top.get('efficiency'), 'efficiency', False))}"
                "</td>")
        if comparison:
            counts = {}
            for r in gated.get(w["workload"], []):
                counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
            cell += "<td class='l f'>" + (", ".join(
                f"<span class='{_slug(v)}'>{n} {_e(v)}</span>" for v, n in sorted(counts.items()))
                or "-") + "</td>"
        lines.append(cell + "</tr>")
    return "<table id='answer-table'>" + head + "".join(lines) + "</table>"


def rows_table(rows, metric):
    """Every row of a workload (median [range] n of each figure), for the folded table."""
    keys = [(metric, THROUGHPUT_UNITS[metric]), ("lat_p50_us", "p50"), ("lat_p99_us", "p99"),
            ("efficiency", "efficiency"), ("cpu_util", "CPU use"), ("max_rss_mb", "max RSS")]
    keys = [k for k in keys if any(row_range(r, k[0])[3] for r in rows)]
    head = ("<tr><th class='l'>runtime</th><th>workers</th>"
            + "".join(f"<th>{_e(label)}</th>" for _, label in keys) + "</tr>")
    body = []
    for row in sorted(rows, key=lambda r: (runtime_key(r["runtime"]), r["workers"])):
        body.append(f"<tr><td class='l'>{_e(row['runtime'])}</td><td>{row['workers']}</td>"
                    + "".join(f"<td>{_e(range_text(row_range(row, k), k))}</td>" for k, _ in keys)
                    + "</tr>")
    return "<table>" + head + "".join(body) + "</table>"


def comparison_entries(comparison, names, base_documents, new_documents, labels):
    """chart_strip's entries for the rows `names`: each row's gated metric (else real_time)."""
    by_row = {}
    for r in comparison["rows"]:
        if r["benchmark"] in names and (r["gated"] or r["metric"] == "real_time"):
            current = by_row.get(r["benchmark"])
            if current is None or (r["gated"] and not current["gated"]):
                by_row[r["benchmark"]] = r
    entries = []
    for name in names:
        r = by_row.get(name)
        if r is None:
            continue
        entries.append((labels[name], r["metric"], r["direction"],
                        sample_values(base_documents, name, r["metric"]),
                        sample_values(new_documents, name, r["metric"]), r["verdict"], r["change"]))
    return entries


def comparison_section(comparison, base_label):
    parts = [f"<p>{_e(base_label)} (BASE) against this report (NEW): "
             f"{comparison['gated_count']} rows gated on "
             f"{_e(comparison.get('gate_metric', 'efficiency'))}; samples are "
             f"{_e(comparison['unit'])}s.</p>"]
    for note in comparison.get("notes", []):
        parts.append(f"<p class='note'>{_e(note)}</p>")
    for warning in comparison.get("warnings", []):
        parts.append(f"<p class='notice'>{_e(warning)}</p>")
    lines = []
    for r in comparison["rows"]:
        if not r["gated"]:
            continue
        interval = "-" if r["ci_low"] is None else \
            f"[{100 * r['ci_low']:+.1f}%, {100 * r['ci_high']:+.1f}%]"
        p = "-" if r["p_value"] is None else f"{r['p_value']:.2g}"
        lines.append(f"<tr><td class='l'>{_e(r['benchmark'])}</td><td>{_e(r['metric'])}</td>"
                     f"<td>{r['base_n']} / {r['new_n']}</td><td>{_e(interval)}</td><td>{p}</td>"
                     f"<td class='l'>{_verdict_span(r['verdict'], r['change'])}"
                     f"{' <span class=note>' + _e(r['reason']) + '</span>' if r['reason'] else ''}"
                     "</td></tr>")
    if lines:
        parts.append("<details><summary>every gated row's verdict</summary><table><tr>"
                     "<th class='l'>row</th><th>metric</th><th>n BASE / NEW</th><th>interval</th>"
                     "<th>p</th><th class='l'>verdict</th></tr>" + "".join(lines)
                     + "</table></details>")
    for title, names in (("only in BASE", comparison["only_in_base"]),
                         ("only in NEW", comparison["only_in_new"])):
        if names:
            parts.append(f"<p><b>{title}:</b> " + ", ".join(_e(n) for n in names) + "</p>")
    for e in comparison["errored"]:
        parts.append(f"<p><b>errored ({_e(e['side'])}):</b> {_e(e['benchmark'])}: "
                     f"{_e(e['message'])}</p>")
    parts.append("<p class='note'>Each workload's section shows its rows' repetitions, BASE's "
                 "and NEW's, beside the verdicts.</p>")
    return "\n".join(parts)


def metg_and_floors(groups, context, sweeps):
    """The METG chart (chart_metg of `sweeps`, metg_sweeps' families) and a table per family
    (metg/<family>/<runtime>/workers:<N>: METG with its range, or never with the best
    efficiency), then the context's host floors; empty when the report has neither."""
    parts = []
    drawn = {f: sweeps_ for f, sweeps_ in sweeps.items() if any(s["points"] for s in sweeps_)}
    if drawn:
        fig, titles = chart_metg(drawn, "metg")
        parts.append(inline_svg(fig, titles, "METG: efficiency against task grain per runtime"))
    for family, family_sweeps in sweeps.items():
        body = "".join(f"<tr><td class='l'>{_e(s['runtime'])}</td><td>{s['workers']}</td>"
                       f"<td>{_e(metg_words(s))}</td><td>{s['n']}</td></tr>"
                       for s in family_sweeps)
        parts.append(f"<h3>metg/{_e(family)}</h3><table><tr><th class='l'>runtime</th>"
                     "<th>workers</th><th>METG [range]</th><th>n</th></tr>" + body + "</table>")
    floors = context.get("floors")
    if isinstance(floors, str):
        try:
            floors = json.loads(floors)
        except ValueError:
            floors = {"floors": floors}
    if isinstance(floors, dict) and floors:
        lines = []
        for key, value in floors.items():
            if key == "missing" and isinstance(value, dict):
                lines += [f"<tr><th class='l'>{_e(name)}</th><td>-</td>"
                          f"<td class='l'>{_e('not measured: ' + str(why))}</td></tr>"
                          for name, why in value.items()]
            elif isinstance(value, dict):
                median = _number(value.get("median", value.get("value")))
                shown = format_figure(median, key) if median is not None else json.dumps(value)
                spread = {k: v for k, v in value.items() if k not in ("median", "value")}
                extra = ", ".join(f"{k} {format_figure(v, key) if isinstance(v, (int, float)) else v}"
                                  for k, v in spread.items())
                lines.append(f"<tr><th class='l'>{_e(key)}</th><td>{_e(shown)}</td>"
                             f"<td class='l'>{_e(extra)}</td></tr>")
            else:
                number = _number(value)
                shown = format_figure(number, key) if number is not None else str(value)
                lines.append(f"<tr><th class='l'>{_e(key)}</th><td>{_e(shown)}</td><td></td></tr>")
        parts.append("<h3>Host floors</h3><table><tr><th class='l'>floor</th><th>value</th>"
                     "<th class='l'>spread</th></tr>" + "".join(lines) + "</table>")
    return "\n".join(parts)


def history_section(history, prefix):
    commits = history["commits"]
    workloads = sorted(history["series"], key=lambda w: (w.startswith("primitive/"), w))
    workloads = [w for w in workloads if not w.startswith("primitive/")] or workloads
    parts = [f"<p>{len(commits)} commit(s) from "
             f"{sum(len(c['paths']) for c in commits)} report(s), in {_e(history['order'])}; "
             "reports of one commit pooled (each report's median one sample). A ring marks a "
             "change that execbench-report compare calls significant against the commit before "
             "(red slower, green faster).</p>"]
    if history["changes"]:
        lines = "".join(
            f"<tr><td class='l'>{_e(c['workload'])}</td><td class='l'>{_e(c['from'])} → "
            f"{_e(c['to'])}</td><td class='l'>{_e(c['benchmark'])}</td><td>{_e(c['metric'])}"
            f"{'' if not c['gated'] else ' (gated)'}</td><td class='l'>"
            f"{_verdict_span(c['verdict'], c['change'])}</td></tr>" for c in history["changes"])
        parts.append("<table><tr><th class='l'>workload</th><th class='l'>commits</th>"
                     "<th class='l'>row</th><th>metric</th><th class='l'>verdict</th></tr>"
                     + lines + "</table>")
    else:
        parts.append("<p>No significant change between consecutive commits.</p>")
    fig, titles = chart_history(history, workloads, prefix)
    parts.append(inline_svg(fig, titles, "history: best throughput and p99 per commit"))
    commits_table = "".join(
        f"<tr><td class='l'>{_e(c['label'])}</td><td class='l'>{_e(c['date'])}</td>"
        f"<td class='l'>{_e(', '.join(os.path.basename(p) for p in c['paths']))}</td></tr>"
        for c in commits)
    parts.append("<details><summary>the commits and their reports</summary><table><tr>"
                 "<th class='l'>commit</th><th class='l'>date</th><th class='l'>reports</th></tr>"
                 + commits_table + "</table></details>")
    return "\n".join(parts)


def build_page(report_path, document, summary, comparison=None, base_path=None,
               base_documents=(), history=None):
    """The whole page as text."""
    context = document.get("context", {})
    rows = benchmarks(document)
    groups = by_workload(rows)
    # By name, as execbench-report summary orders them (a run in random interleaving writes its
    # rows in random order).
    workloads = {w: groups[w] for w in sorted(groups) if not w.startswith(("primitive/", "metg/"))}
    primitives = {w: groups[w] for w in sorted(groups) if w.startswith("primitive/")}
    anchors = {w: "w-" + _slug(w) for w in groups}
    toc, sections = [("answer", "Answer")], []
    if comparison:
        toc.append(("comparison", "Comparison"))
    toc += [(anchors[w], w) for w in workloads]
    notices = []
    if str(context.get("quick", "")).lower() == "true":
        notices.append("A --quick run: one sample a row, so no figure has a range.")
    if str(context.get("interrupted", "")).lower() == "true":
        notices.append("An interrupted run: rows not started before the signal are absent.")
    probe = summary.get("speed_probe_ns")
    if probe and probe.get("median") and probe["max"] > 1.1 * probe["min"]:
        notices.append(f"The machine's speed moved during the run (spin: {probe['min']:.3g}–"
                       f"{probe['max']:.3g} ns per iteration, median {probe['median']:.3g}): "
                       "time figures drifted with it, efficiency did not.")
    errored = [r for r in rows if r["error"] is not None]

    labels = {r["name"]: f"{r['runtime']} ({r['workers']})" for r in rows}
    base_label = ", ".join(os.path.basename(p) for p in (base_path or "").split(",") if p)

    for workload, group in workloads.items():
        anchor = anchors[workload]
        fig, titles = chart_workload(workload, group, "p")
        metric = throughput_metric(group)
        part = [f"<section id='{anchor}'><h2>{_e(workload)}</h2>",
                inline_svg(fig, titles, f"{workload}: throughput, p99 and efficiency "
                                                "against workers per runtime")]
        if comparison:
            names = [r["name"] for r in sorted(group, key=lambda r: (runtime_key(r["runtime"]),
                                                                      r["workers"]))]
            entries = comparison_entries(comparison, set(names), base_documents, [document], labels)
            entries.sort(key=lambda e: names.index(next(n for n in names if labels[n] == e[0])))
            if entries:
                part.append(f"<h3>{_e(workload)} against BASE: repetitions, then verdicts</h3>")
                fig, titles = chart_strip(entries, anchor + "-cmp", comparison["threshold"])
                part.append(inline_svg(fig, titles, f"{workload}: BASE and NEW "
                                                                     "repetitions per row"))
        part.append(f"<details><summary>{_e(workload)}: every row (median [range] n)</summary>"
                    + rows_table(group, metric) + "</details>")
        failed = [r for r in errored if r["workload"] == workload]
        if failed:
            part.append("<p class='slower'>Errored: " + "; ".join(
                f"{_e(r['name'])}: {_e(r['error'])}" for r in failed) + "</p>")
        sections.append("\n".join(part) + "</section>")

    if primitives:
        toc.append(("primitives", "Primitives"))
        fig, titles = chart_primitives(primitives, "prim")
        best = {w["workload"]: w for w in summary["workloads"] if w["workload"] in primitives}
        lines = []
        for name, w in best.items():
            named = {r["name"]: r for r in w["rows"]}
            top = [named[n] for n in w["best"] if n in named]
            if top:
                figure = _summary_figure({k: top[0][k] for k in ("median", "low", "high", "n",
                                                                 "range")}, w["rank_by"])
                lines.append(f"<tr><td class='l'>{_e(name.removeprefix('primitive/'))}</td>"
                             f"<td class='l'>{_best_cell(top)}</td><td>{_e(figure)}</td></tr>")
        part = ["<section id='primitives'><h2>Primitives</h2>",
                "<p>The cost floors of each runtime (README: The primitives).</p>",
                "<table><tr><th class='l'>primitive</th><th class='l'>best runtime (workers)</th>"
                "<th>throughput</th></tr>" + "".join(lines) + "</table>",
                inline_svg(fig, titles, "primitives: throughput against workers")]
        if comparison:
            names = [r["name"] for w in primitives.values() for r in
                     sorted(w, key=lambda r: (runtime_key(r["runtime"]), r["workers"]))]
            prim_labels = {n: f"{parse_name(n)[0].removeprefix('primitive/')} {labels[n]}"
                           for n in names}
            entries = comparison_entries(comparison, set(names), base_documents, [document],
                                         prim_labels)
            if entries:
                part.append("<h3>Primitives against BASE: repetitions, then verdicts</h3>")
                fig, titles = chart_strip(entries, "prim-cmp", comparison["threshold"])
                part.append(inline_svg(fig, titles, "primitives: BASE and NEW "
                                                                "repetitions per row"))
        part.append("<details><summary>primitives: every row (median [range] n)</summary>"
                    + "".join(f"<h3>{_e(w)}</h3>" + rows_table(r, throughput_metric(r))
                              for w, r in primitives.items()) + "</details></section>")
        sections.append("\n".join(part))

    floors = metg_and_floors(groups, context, metg_sweeps(document, report_path))
    if floors:
        toc.append(("metg-floors", "METG and floors"))
        sections.append(f"<section id='metg-floors'><h2>METG and host floors</h2>{floors}</section>")
    if history:
        toc.append(("history", "History"))
        sections.append("<section id='history'><h2>History across commits</h2>"
                        + history_section(history, "hist") + "</section>")
    toc.append(("context", "Context"))

    title = os.path.basename(report_path)
    answer = ("<section id='answer'><h2>Answer: the best runtime and workers per workload</h2>"
              + answer_table(summary, comparison, anchors)
              + "<p class='note'>The median of the ranking figure with its range and n (the "
                "min–max below 6 samples, the 95% interval of the median from 6 on); runtimes "
                "whose ranges overlap the best's cannot be told apart: ≈. From "
                "execbench-report summary.</p></section>")
    comparison_part = ("<section id='comparison'><h2>Comparison</h2>"
                       + comparison_section(comparison, base_label) + "</section>"
                       if comparison else "")
    nav = "<nav id='contents'>Contents: " + " ".join(
        f"<a href='#{anchor}'>{_e(text)}</a>" for anchor, text in toc) + "</nav>"
    library = ""
    if str(context.get("library_build_type", "")).lower() == "debug":
        library = (" <span class='note'>(libbenchmark says “debug”: that is Debian's build of "
                   "the library, not of the measured code; see Context)</span>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>execbench: {_e(title)}</title>
<style>{PAGE_CSS}</style></head><body>
<h1>execbench: which runtime, how many workers ({_e(title)})</h1>
<p class="context" id="context-line">{context_line(context)}{library}</p>
{''.join(f'<p class="notice">{_e(n)}</p>' for n in notices)}
{nav}
{answer}
{comparison_part}
{''.join(sections)}
<section id="context"><h2>Context</h2>{context_table(context)}</section>
</body></html>
"""


# --------------------------------------------------------------------------------------------
# Commands


def cmd_runtimes(args):
    save(chart_runtimes(load_groups(args.report)), args.output_dir, "runtimes", args.formats)


def cmd_scaling(args):
    save(chart_scaling(load_groups(args.report)), args.output_dir, "scaling", args.formats)


def cmd_latency(args):
    save(chart_latency(load_groups(args.report)), args.output_dir, "latency", args.formats)


def cmd_compare(args):
    binary = find_report_binary(args.report_bin)
    result = run_compare(binary, args.base, args.new, args.threshold, args.alpha)
    save(chart_compare(result, args.metric), args.output_dir, "compare", args.formats)


def cmd_tune(args):
    binary = find_report_binary(args.report_bin)
    result = run_tune(binary, args.sweep, args.within)
    save(chart_tune(result), args.output_dir, "tune", args.formats)


def cmd_metg(args):
    families = {f: sweeps for f, sweeps in metg_sweeps(read_report(args.report),
                                                       args.report).items()
                if any(s["points"] for s in sweeps)}
    if not families:
        raise InputError(f"{args.report}: no METG rows with points (metg/...; execbench --metg "
                         "writes them)")
    fig, _ = chart_metg(families)
    save(fig, args.output_dir, "metg", args.formats)


def _read_documents(paths):
    return [read_report(p) for p in paths]


def cmd_history(args):
    documents = _read_documents(args.reports)
    binary = find_report_binary(args.report_bin)
    history = build_history(args.reports, documents, binary, args.threshold, args.alpha,
                            args.repo)
    if not history["series"]:
        raise InputError(f"{args.reports[0]}: no successful workload rows to draw a history of")
    workloads = sorted(history["series"], key=lambda w: (w.startswith("primitive/"), w))
    fig, _ = chart_history(history, workloads, "history")
    save(fig, args.output_dir, "history", args.formats)


def cmd_html(args):
    if len(args.reports) > 2:
        raise UsageError(f"html takes REPORT or BASE REPORT, got {len(args.reports)} reports "
                         "(several reports go to --history)")
    base, report = (None, args.reports[0]) if len(args.reports) == 1 else args.reports
    document = read_report(report)
    groups = by_workload(benchmarks(document))
    if not groups:
        raise InputError(f"{report}: no successful benchmark rows to plot")
    base_documents = _read_documents(base.split(",")) if base else []
    history_paths = list(args.history or [])
    history_documents = _read_documents(history_paths)
    binary = find_report_binary(args.report_bin)
    summary = run_summary(binary, report)
    comparison = run_compare(binary, base, report, args.threshold, args.alpha) if base else None
    history = None
    if history_paths:
        # The page's own report belongs to its history, once.
        if os.path.realpath(report) not in {os.path.realpath(p) for p in history_paths}:
            history_paths.append(report)
            history_documents.append(document)
        history = build_history(history_paths, history_documents, binary, args.threshold,
                                args.alpha, args.repo)
    page = build_page(report, document, summary, comparison, base, base_documents, history)

    def write(temporary):
        with open(temporary, "w", encoding="utf-8") as f:
            f.write(page)
    _write_all([(os.path.join(args.output_dir, "report.html"), write)])


def formats(text):
    chosen = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in chosen if f not in ("png", "svg")]
    if bad or not chosen:
        raise argparse.ArgumentTypeError(f"formats are png and svg, got '{text}'")
    return chosen


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line on stderr, exit 2 (argparse prints the usage first)."""

    def error(self, message):
        raise UsageError(f"{self.prog}: {message} (see --help)")


def parser():
    top = _Parser(
        prog="plot.py", description=__doc__,
        epilog="Run 'plot.py COMMAND --help' for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    common = _Parser(add_help=False)
    common.add_argument("-o", "--output-dir", default=".", metavar="DIR",
                        help="directory for the files written (default: current directory; "
                             "created if missing)")
    common.add_argument("--formats", type=formats, default=["png", "svg"], metavar="LIST",
                        help="image formats, comma separated: png, svg (default: png,svg)")
    stats = _Parser(add_help=False)
    stats.add_argument("--report-bin", metavar="PATH",
                       help="execbench-report binary (default: $EXECBENCH_REPORT, "
                            "build/release/reports/execbench-report, build/*/reports/, PATH)")
    stats.add_argument("--metric", default="real_time",
                       help="metric whose change is charted (default: real_time)")
    stats.add_argument("--threshold", type=float, metavar="PCT",
                       help="noise threshold in percent (default: execbench-report's, 5)")
    stats.add_argument("--alpha", type=float, help="significance level (default: 0.05)")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, function, text in (
            ("runtimes", cmd_runtimes, "per workload, throughput and p99 per runtime (grouped bars)"),
            ("scaling", cmd_scaling, "throughput against workers, a line per runtime (log x)"),
            ("latency", cmd_latency, "p50, p99 and p99.9 per runtime at its best worker count"),
            ("metg", cmd_metg, "METG: efficiency against task grain, a line per runtime, the "
                               "threshold and each METG marked (execbench --metg)")):
        sub = commands.add_parser(name, parents=[common], help=text, description=text)
        sub.add_argument("report", metavar="REPORT", help="execbench JSON report")
        sub.set_defaults(run=function)
    sub = commands.add_parser("compare", parents=[common, stats],
                              help="change per benchmark with its interval, coloured by verdict",
                              description="Change per benchmark NEW vs BASE with its confidence "
                                          "interval, coloured by verdict, computed by "
                                          "`execbench-report compare --format json`.")
    sub.add_argument("base", metavar="BASE", help="baseline report(s), comma separated to pool")
    sub.add_argument("new", metavar="NEW", help="report(s) to compare with the baseline")
    sub.set_defaults(run=cmd_compare)
    sub = commands.add_parser("tune", parents=[common],
                              help="measured throughput, USL fit, N*, Goetz and the recommended "
                                   "worker count per workload x runtime",
                              description="Per workload x runtime of a worker-count sweep: the "
                                          "measured medians with min-max bars, the USL curve, N*, "
                                          "the Goetz estimate and the recommendation, all from "
                                          "`execbench-report tune --format json`.")
    sub.add_argument("sweep", metavar="SWEEP", help="execbench JSON report of a worker-count sweep")
    sub.add_argument("--report-bin", metavar="PATH",
                     help="execbench-report binary (default: $EXECBENCH_REPORT, "
                          "build/release/reports/execbench-report, build/*/reports/, PATH)")
    sub.add_argument("--within", type=float, metavar="PCT",
                     help="recommend the fewest workers within PCT%% of the best (default 5)")
    sub.set_defaults(run=cmd_tune)
    sub = commands.add_parser("html", parents=[common, stats],
                              help="one self-contained HTML page: the answer first, a section "
                                   "per workload, primitives, history, context",
                              description="Writes DIR/report.html for REPORT: the answer per "
                                          "workload (execbench-report summary), a section per "
                                          "workload with its charts and rows, the primitives, "
                                          "METG and host floors, the context. With BASE (BASE "
                                          "before NEW, as in compare; comma separated to pool), "
                                          "the comparison's verdicts beside each row's "
                                          "repetitions. With --history, each workload's best "
                                          "over the commits of those reports.")
    sub.add_argument("reports", metavar="[BASE] REPORT", nargs="+",
                     help="execbench JSON report, optionally preceded by a baseline report")
    sub.add_argument("--history", metavar="REPORT", nargs="+",
                     help="reports of other commits (with REPORT) for the history section")
    sub.add_argument("--repo", metavar="DIR", default=REPO_ROOT,
                     help="git repository whose commit order orders the history (default: the "
                          "one holding plot.py)")
    sub.set_defaults(run=cmd_html)
    sub = commands.add_parser("history", parents=[common, stats],
                              help="each workload's best throughput and p99 across commits",
                              description="Orders the reports by the repository's commit order "
                                          "(their context's git_sha; by date when the "
                                          "repository lacks one), pools reports of one commit, "
                                          "and draws each workload's best throughput and the p99 "
                                          "of that row with their ranges, ringing the changes "
                                          "execbench-report compare calls significant between "
                                          "consecutive commits. Writes history.png and .svg.")
    sub.add_argument("reports", metavar="REPORT", nargs="+", help="execbench JSON reports")
    sub.add_argument("--repo", metavar="DIR", default=REPO_ROOT,
                     help="git repository whose commit order orders the reports (default: the "
                          "one holding plot.py)")
    sub.set_defaults(run=cmd_history)
    return top


def main(argv=None):
    try:
        args = parser().parse_args(argv)
    except UsageError as e:
        print(_one_line(str(e), 400), file=sys.stderr)  # the message starts with the program
        return 2
    try:
        args.run(args)  # the output directory is made when the first file is written
    except (InputError, UsageError) as e:
        print(f"plot.py: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"plot.py: {e.filename or args.output_dir}: {e.strerror}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
