#!/usr/bin/python3
"""Charts from execbench reports (Google Benchmark JSON written by the execbench binary).

Commands (each writes PNG and SVG into -o DIR and prints every path it writes):
  runtimes REPORT      per workload, throughput and p99 latency per runtime and worker count
  scaling REPORT       throughput against workers, one line per runtime (log2 x axis)
  latency REPORT       p50, p99 and p99.9 per runtime, at each runtime's best worker count
  compare BASE NEW     change per benchmark with its confidence interval, coloured by verdict
  tune SWEEP           per workload x runtime of a worker-count sweep: measured throughput, the
                       fitted USL curve, N*, the Goetz estimate and the recommended worker count
  html REPORT [BASE]   one self-contained HTML page: every chart (embedded SVG) and the summary

Statistics for `compare` (and `html` with BASE) come from `execbench-report compare --format json`,
and the fits of `tune` from `execbench-report tune --format json`, so the charts and the CLI never
disagree: the binary is --report-bin, else $EXECBENCH_REPORT, else
build/release/reports/execbench-report (then any build/*/reports/) under the repository, else
execbench-report on PATH.

Runs under /usr/bin/python3: Debian's python3-matplotlib and python3-numpy are installed for it.
Bad input (missing or unreadable file, a directory, empty, truncated or not JSON, not a Google
Benchmark report or fields of the wrong type, no rows, every row errored: execbench-report's
rules): one line on stderr naming the file and the problem, exit status 2, nothing written
(every file goes to a temporary name and is renamed once all are written).
"""

import argparse
import base64
import decimal
import errno
import glob
import html
import io
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

# matplotlib is imported on first use (load_pyplot): it takes a second or two to import, and bad
# input or --help should answer at once.
plt = None

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# One colour per runtime, the same in every chart (names are fixed by DESIGN.md).
RUNTIME_COLOURS = {
    "loop": "#1f77b4",
    "loop_offload": "#17becf",
    "asio": "#2ca02c",
    "thread_per_task": "#d62728",
    "thread_pool": "#ff7f0e",
    "tbb": "#9467bd",
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


# --------------------------------------------------------------------------------------------
# Reading reports


def _quote_non_finite(text):
    """Google Benchmark may write -NaN, which Python's json does not accept (it does accept NaN,
    Infinity and -Infinity): rewrite it outside strings."""
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
    global plt
    if plt is None:
        import matplotlib
        matplotlib.use("Agg")  # files only: no display on benchmark machines or in CI
        import matplotlib.pyplot
        plt = matplotlib.pyplot
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
    fig.suptitle(title)
    if handles:
        fig.legend(handles.values(), handles.keys(), loc="lower center", ncol=min(len(handles), 8),
                   title=legend_title, frameon=False)
        rows = math.ceil(len(handles) / 8)
        # About 0.75 inch per legend line (with its title), whatever the figure's height.
        fig.tight_layout(rect=(0, 0.75 * rows / fig.get_size_inches()[1], 1, 0.96))
    else:
        fig.tight_layout(rect=(0, 0, 1, 0.96))
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
            handles[str(w)] = top.bar(xs, tput, width, color=colour_of[w])
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
        bottom.set_ylabel("p99 latency (µs)")
        if not has_latency:
            bottom.text(0.5, 0.5, "no latency counters", ha="center", va="center",
                        transform=bottom.transAxes, color="gray")
    # Unused panels of the last line (two axes per workload).
    used_lines = math.ceil(len(groups) / columns)
    for column in range(len(groups) - (used_lines - 1) * columns, columns):
        axes[2 * used_lines - 2][column].set_visible(False)
        axes[2 * used_lines - 1][column].set_visible(False)
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
        for runtime in sorted({r["runtime"] for r in rows}):
            points = sorted((r["workers"], throughput(r, metric)) for r in rows
                            if r["runtime"] == runtime)
            handles[runtime], = ax.plot([p[0] for p in points], [p[1] for p in points], marker="o",
                                        color=runtime_colour(runtime, len(handles)))
        ax.set_xscale("log", base=2)
        ax.set_xticks(all_workers)
        ax.set_xticklabels([str(w) for w in all_workers])
        ax.set_xlabel("workers (log scale)")
        ax.set_ylabel(f"throughput ({THROUGHPUT_UNITS[metric]})")
        ax.set_title(workload)
        ax.grid(alpha=0.3)
    hide_unused(axes, len(groups))
    return finish(fig, "Scaling: throughput against worker count (median of repetitions)",
                  handles, "runtime")


def chart_latency(groups):
    with_latency = {w: rows for w, rows in groups.items()
                    if any("lat_p99_us" in r["metrics"] for r in rows)}
    if not with_latency:
        with_latency = groups  # still a chart, saying there is nothing to show
    fig, axes, columns = grid(len(with_latency))
    percentiles = [("lat_p50_us", "p50"), ("lat_p99_us", "p99"), ("lat_p999_us", "p99.9")]
    colours = ["#9ecae1", "#3182bd", "#08519c"]
    handles = {}
    for index, (workload, rows) in enumerate(with_latency.items()):
        ax = axes.flat[index]
        best = best_per_runtime(rows, throughput_metric(rows))
        width = 0.8 / len(percentiles)
        drawn = False
        for p_index, (metric, label) in enumerate(percentiles):
            values = [row["metrics"].get(metric, float("nan")) for row in best.values()]
            if all(math.isnan(v) for v in values):
                continue
            drawn = True
            handles[label] = ax.bar([i - 0.4 + width * (p_index + 0.5) for i in range(len(best))],
                                    values, width, color=colours[p_index])
        ax.set_xticks(range(len(best)))
        ax.set_xticklabels([f"{rt} ({row['workers']}w)" for rt, row in best.items()],
                           rotation=20, ha="right", fontsize="small")
        ax.set_title(workload)
        ax.grid(axis="y", alpha=0.3)
        if drawn:
            ax.set_yscale("log")
            ax.set_ylabel("latency (µs, log scale)")
        else:
            ax.set_ylabel("latency (µs)")
            ax.set_xticks([])
            ax.text(0.5, 0.5, "no latency counters", ha="center", va="center",
                    transform=ax.transAxes, color="gray")
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
        ax.set_ylabel("p99 latency (µs)" if open_loop else "throughput (tasks/s)")
        if open_loop:
            ax.set_yscale("log")  # a runtime that falls behind at few workers is far off
        n_star = "none" if r["n_star"] is None else f"{r['n_star']:.3g}"
        fit = (f"R² = {r['r2']:.3f}" if r["reliable"]
               else f"unreliable fit, R² = {r['r2']:.2f}")
        fit_line = (f"σ = {r['sigma']:.3g}, κ = {r['kappa']:.3g}, N* = {n_star}, {fit}"
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


def svg_data_uri(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


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


def summary_html(groups):
    parts = []
    for workload, rows in groups.items():
        metric = throughput_metric(rows)
        best = best_per_runtime(rows, metric)
        top = throughput(next(iter(best.values())), metric)
        parts.append(f"<h3>{html.escape(workload)}</h3><table><tr><th>rank</th><th>runtime</th>"
                     f"<th>workers</th><th>{THROUGHPUT_UNITS[metric]}</th><th>vs best</th>"
                     "<th>p99 (µs)</th><th>efficiency</th></tr>")
        for rank, (runtime, row) in enumerate(best.items(), 1):
            value = throughput(row, metric)
            p99 = row["metrics"].get("lat_p99_us")
            eff = row["metrics"].get("efficiency")
            parts.append(
                f"<tr><td>{rank}</td><td>{html.escape(runtime)}</td><td>{row['workers']}</td>"
                f"<td>{value:.4g}</td><td>{100 * value / top:.1f}%</td>"
                f"<td>{'-' if p99 is None else f'{p99:.4g}'}</td>"
                f"<td>{'-' if eff is None else f'{eff:.3f}'}</td></tr>")
        parts.append("</table>")
    return "\n".join(parts)


def compare_html(result, metric):
    rows = [r for r in result["rows"] if r["metric"] == metric]
    parts = ["<table><tr><th>benchmark</th><th>change</th><th>interval</th><th>p</th>"
             "<th>verdict</th></tr>"]

    def pct(v):
        return "-" if v is None else f"{100 * v:+.1f}%"

    for r in rows:
        interval = "-" if r["ci_low"] is None else f"[{pct(r['ci_low'])}, {pct(r['ci_high'])}]"
        p = "-" if r["p_value"] is None else f"{r['p_value']:.3g}"
        colour = VERDICT_COLOURS.get(r["verdict"], "black")
        parts.append(f"<tr><td>{html.escape(r['benchmark'])}</td><td>{pct(r['change'])}</td>"
                     f"<td>{interval}</td><td>{p}</td>"
                     f"<td style='color:{colour}'>{html.escape(r['verdict'])}</td></tr>")
    parts.append("</table>")
    for title, names in (("Only in BASE", result["only_in_base"]), ("Only in NEW", result["only_in_new"])):
        if names:
            parts.append(f"<p><b>{title}:</b> " + ", ".join(html.escape(n) for n in names) + "</p>")
    for e in result["errored"]:
        parts.append(f"<p><b>Errored ({html.escape(e['side'])}):</b> {html.escape(e['benchmark'])}: "
                     f"{html.escape(e['message'])}</p>")
    for w in result["warnings"]:
        parts.append(f"<p class='warning'>Warning: {html.escape(w)}</p>")
    return "\n".join(parts)


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


def cmd_html(args):
    document = read_report(args.report)
    groups = by_workload(benchmarks(document))
    if not groups:
        raise InputError(f"{args.report}: no successful benchmark rows to plot")
    comparison = None
    if args.base:
        binary = find_report_binary(args.report_bin)
        comparison = run_compare(binary, args.base, args.report, args.threshold, args.alpha)
    charts = [("Throughput and p99 per runtime", svg_data_uri(chart_runtimes(groups))),
              ("Scaling with workers", svg_data_uri(chart_scaling(groups))),
              ("Latency percentiles", svg_data_uri(chart_latency(groups)))]
    if comparison:
        charts.append((f"Change against {os.path.basename(args.base)}",
                       svg_data_uri(chart_compare(comparison, args.metric))))
    context = document.get("context", {})
    context_keys = ["date", "host_name", "cpu_model", "num_cpus", "hardware_concurrency",
                    "build_type", "library_build_type", "compiler", "execbench_version", "git_sha",
                    "boost_version", "tbb_version", "benchmark_version", "kernel", "governor"]
    context_rows = "".join(f"<tr><th>{k}</th><td>{html.escape(str(context[k]))}</td></tr>"
                           for k in context_keys if k in context)
    sections = [f"<h2>{html.escape(title)}</h2><img alt='{html.escape(title)}' src='{uri}'>"
                for title, uri in charts]
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>execbench report: {html.escape(os.path.basename(args.report))}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; max-width: 1400px; }}
table {{ border-collapse: collapse; margin-bottom: 1em; }}
th, td {{ border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }}
th {{ background: #f3f3f3; }} td:first-child, th:first-child {{ text-align: left; }}
img {{ max-width: 100%; }} .warning {{ color: #a60; }}
</style></head><body>
<h1>execbench report: {html.escape(os.path.basename(args.report))}</h1>
<h2>Context</h2><table>{context_rows}</table>
<h2>Summary: runtimes ranked by throughput, per workload</h2>
{summary_html(groups)}
{"<h2>Comparison (" + html.escape(args.metric) + ")</h2>" + compare_html(comparison, args.metric) if comparison else ""}
{''.join(sections)}
</body></html>
"""
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


def parser():
    top = argparse.ArgumentParser(
        prog="plot.py", description=__doc__,
        epilog="Run 'plot.py COMMAND --help' for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-o", "--output-dir", default=".", metavar="DIR",
                        help="directory for the files written (default: current directory; "
                             "created if missing)")
    common.add_argument("--formats", type=formats, default=["png", "svg"], metavar="LIST",
                        help="image formats, comma separated: png, svg (default: png,svg)")
    stats = argparse.ArgumentParser(add_help=False)
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
            ("latency", cmd_latency, "p50, p99 and p99.9 per runtime at its best worker count")):
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
                              help="one self-contained HTML page with every chart and the summary",
                              description="Writes DIR/report.html: context, summary table, every "
                                          "chart embedded as base64 SVG; with BASE, the comparison "
                                          "of REPORT against it too.")
    sub.add_argument("report", metavar="REPORT", help="execbench JSON report")
    sub.add_argument("base", metavar="BASE", nargs="?", help="optional baseline report")
    sub.set_defaults(run=cmd_html)
    return top


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        args.run(args)  # the output directory is made when the first file is written
    except InputError as e:
        print(f"plot.py: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"plot.py: {e.filename or args.output_dir}: {e.strerror}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
