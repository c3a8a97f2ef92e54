#!/usr/bin/python3
"""`execbench-report tune` and `scripts/plot.py tune` run as programs on the sweep fixtures (made
by data/make_sweep_fixtures.py): the JSON has every key, bad input exits 2 with one line naming
the file and writes nothing, partly bad sweeps list the skipped series, the chart files appear.

Usage: tune_checks.py EXECBENCH_REPORT PLOT_PY DATA_DIR WORK_DIR"""

import json
import os
import subprocess

from checks_common import arguments, check, finish

binary, plot, data, work = arguments(4)


def tune(*args):
    return subprocess.run([binary, "tune", *args], cwd=data, capture_output=True, text=True)


def plot_tune(*args):
    return subprocess.run(["/usr/bin/python3", plot, "tune", *args, "--report-bin", binary],
                          capture_output=True, text=True)


# JSON: every key, per series; the right answers on the synthetic curves.
result = tune("--format", "json", "sweep.json")
check(result.returncode == 0, f"tune --format json: exit 0 ({result.stderr.strip()})")
document = json.loads(result.stdout)
keys = ["recommended_workers", "best_workers", "goetz_workers", "n_star", "sigma", "kappa",
        "lambda", "r2", "reliable", "workload", "runtime", "points", "recommended_throughput",
        "recommended_lat_p99_us", "reasons"]
series = {f"{r['workload']}/{r['runtime']}": r for r in document["results"]}
check(sorted(series) == ["cpu_spin/thread_pool", "noisy/thread_per_task", "usl_model/tbb",
                         "web_io/asio"], f"four series, primitives ignored ({sorted(series)})")
for name, r in series.items():
    check(all(k in r for k in keys), f"{name}: every key ({[k for k in keys if k not in r]})")
    check(r["recommended_throughput"] >= 0.95 * r["best_throughput"], f"{name}: within 5% of best")
check(abs(series["cpu_spin/thread_pool"]["recommended_workers"] - 2) <= 1, "CPU-bound on 2 cores: ~2")
check(series["web_io/asio"]["recommended_workers"] > 32, "I/O-bound: more than 32")
model = series["usl_model/tbb"]
check(abs(model["sigma"] - 0.05) < 0.0025 and abs(model["kappa"] - 0.001) < 0.00005
      and abs(model["lambda"] - 1000) < 30 and model["r2"] > 0.99 and model["reliable"],
      f"known USL recovered (σ {model['sigma']:.4g}, κ {model['kappa']:.4g}, λ {model['lambda']:.4g})")
check(series["noisy/thread_per_task"]["reliable"] is False, "zigzag: reliable false")
check(series["noisy/thread_per_task"]["n_star"] is None, "kappa = 0: n_star null")

# Ranges, edges, W/C and open loop (sweep_ranges.json: the answers are in make_sweep_fixtures.py).
result = tune("--format", "json", "sweep_ranges.json")
check(result.returncode == 0, f"tune sweep_ranges.json: exit 0 ({result.stderr.strip()})")
ranges = {r["workload"]: r for r in json.loads(result.stdout)["results"]} if result.returncode == 0 else {}
wait_only, drift = ranges.get("wait_only", {}), ranges.get("drift", {})
shrinking, open_rate = ranges.get("shrinking", {}), ranges.get("open_rate", {})
check((drift.get("recommended_workers"), drift.get("recommended_low"), drift.get("recommended_high"))
      == (64, 48, 96), f"drift: 64 (48–96) ({drift.get('recommended_low')}, {drift.get('recommended_high')})")
check(drift.get("wait_compute_ratio") == 10 and drift.get("wait_compute_workers") == 4
      and drift.get("goetz_workers") == 22, "drift: smallest point W/C (10 at 4 workers), Goetz 22")
check(wait_only.get("edge") == "max" and wait_only.get("next_sweep") == [256, 384, 512],
      f"wait_only: edge max, sweep on 256,384,512 ({wait_only.get('edge')}, {wait_only.get('next_sweep')})")
check(wait_only.get("wait_compute_ratio", 0) is None and wait_only.get("wait_compute_infinite") is True
      and wait_only.get("goetz_workers", 0) is None, "wait_only: W/C null with the flag, no Goetz")
check(shrinking.get("edge") == "min" and shrinking.get("next_sweep") == [2, 4, 6, 8],
      "shrinking: edge min, sweep 2,4,6,8")
check(drift.get("edge", 0) is None, "drift: edge null")
check(open_rate.get("tuned_by") == "lat_p99_us" and open_rate.get("recommended_workers") == 8
      and open_rate.get("best_workers") == 16, "open_rate: tuned by p99, 8 recommended, best 16")
result = tune("sweep_ranges.json")
check("drift / thread_pool: 64 (48–96) workers" in result.stdout, "console: 64 (48–96)")
check("best at the largest count swept (256): sweep on, e.g. --workers=256,384,512" in result.stdout,
      "console: the edge and the next sweep")
check("Goetz: no bound from W/C" in result.stdout and "∞" in result.stdout, "console: W/C ∞, no bound")
out = os.path.join(work, "plot_ranges")
result = plot_tune(os.path.join(data, "sweep_ranges.json"), "-o", out)
check(result.returncode == 0 and os.path.getsize(os.path.join(out, "tune.svg")) > 0,
      f"plot.py tune sweep_ranges.json: exit 0 ({result.stderr.strip()[-300:]})")

# Console and Markdown, --output atomic and quiet.
result = tune("sweep.json")
check("unreliable fit, R² = 0.0352: the recommendation rests on the measured points only"
      in result.stdout, "console says the fit is unreliable")
out = os.path.join(work, "tune.md")
result = tune("--format", "markdown", "-o", out, "sweep.json")
check(result.returncode == 0 and result.stdout == "" and os.path.getsize(out) > 0,
      "markdown to --output: exit 0, quiet, written")

# Partly bad: the good series tuned, the bad ones skipped with their reasons.
result = tune("--format", "json", "sweep_partly_bad.json")
document = json.loads(result.stdout) if result.returncode == 0 else {"results": [], "skipped": []}
check(len(document["results"]) == 1 and len(document["skipped"]) == 3,
      "partly bad: 1 tuned, 3 skipped")
result = tune("sweep_partly_bad.json")
check("skipped:" in result.stdout and "only 3 worker counts" in result.stdout,
      "partly bad: console lists skipped series")

# Nothing to tune: exit 2, one line naming the file and the problem, no output file.
for name, problem in [("sweep_few_counts.json", "only 3 worker counts"),
                      ("sweep_nonpositive.json", "non-positive tasks_per_s"),
                      ("sweep_errored.json", "every benchmark row errored"),
                      ("sweep_primitives_only.json", "no <workload>/<runtime>/workers:<N> rows"),
                      ("report.json", "and 7 more series"),  # a report, not a sweep
                      ("missing.json", "no such file"), ("bad_not_json.json", "not JSON"),
                      ("bad_empty.json", "empty")]:
    out = os.path.join(work, "bad.json")
    result = tune("--format", "json", "-o", out, name)
    lines = result.stderr.splitlines()
    check(result.returncode == 2, f"tune {name}: exit 2 (got {result.returncode})")
    check(len(lines) == 1 and name in lines[0] and problem in lines[0],
          f"tune {name}: one line naming file and problem ({lines!r})")
    check(not os.path.exists(out), f"tune {name}: no output file")
    plot_out = os.path.join(work, "plot_bad")
    result = plot_tune(os.path.join(data, name), "-o", plot_out)
    lines = result.stderr.strip().splitlines()
    check(result.returncode == 2 and len(lines) == 1 and name in lines[0],
          f"plot.py tune {name}: exit 2, one line naming the file ({lines!r})")
    check(not os.path.exists(plot_out) or not os.listdir(plot_out), f"plot.py tune {name}: nothing written")
check(not [f for f in os.listdir(work) if ".tmp." in f], "no temporary file left behind")

# The chart.
out = os.path.join(work, "plot")
result = plot_tune(os.path.join(data, "sweep.json"), "-o", out)
check(result.returncode == 0, f"plot.py tune: exit 0 ({result.stderr.strip()[-300:]})")
for name in ("tune.png", "tune.svg"):
    path = os.path.join(out, name)
    check(os.path.isfile(path) and os.path.getsize(path) > 0, f"plot.py tune: {name} non-empty")
    check(path in result.stdout.split(), f"plot.py tune: {name} path printed")
with open(os.path.join(out, "tune.png"), "rb") as f:
    check(f.read(8) == b"\x89PNG\r\n\x1a\n", "plot.py tune: tune.png is a PNG")
with open(os.path.join(out, "tune.svg")) as f:
    check("<svg" in f.read(), "plot.py tune: tune.svg is an SVG")

finish()
