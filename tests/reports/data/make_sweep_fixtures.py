#!/usr/bin/python3
"""Writes the worker-count sweep fixtures of tests/reports/data for `execbench-report tune`:
Google Benchmark JSON as execbench writes it (iteration rows with repetitions, mean/median/
stddev/cv aggregates, /real_time names), from curves whose right answer is known. Deterministic
(fixed seed); run it again only to change the fixtures.

  sweep.json              cpu_spin/thread_pool: CPU-bound on 2 cores (rises to 2, then sags)
                          web_io/asio: I/O-bound, linear up to 64 workers, then flat
                          usl_model/tbb: the USL with sigma 0.05, kappa 0.001, lambda 1000
                          noisy/thread_per_task: no curve at all (an unreliable fit)
                          primitive/spawn/...: ignored by tune
  sweep_partly_bad.json   one good series and three bad ones (3 worker counts, every row
                          errored, a zero throughput): the good one is tuned, the others skipped
  sweep_few_counts.json, sweep_nonpositive.json, sweep_errored.json, sweep_primitives_only.json:
                          nothing to tune (exit 2)
  sweep_ranges.json       ranges, edges, W/C and open loop, from evenly spread samples (centre x
                          (1 + k d), k = -2..2: each point's range is centre x (1 +- 2d)):
                          wait_only/thread_pool: 100 n tasks/s up to 256, W/C = Infinity at every
                            count: best at the largest count (edge max, sweep 256,384,512), no
                            Goetz bound
                          drift/thread_pool: 64 is the fewest within 5% of the best (96); 48
                            (4700 +- 6%) and 96 (5020 +- 0.6%) overlap 64's range (5000 +- 0.6%),
                            32 and 128 do not: 64 (48-96). W/C drifts from 10 (at 4 workers) to
                            35: the smallest, 10, gives Goetz 2 x 11 = 22
                          shrinking/tbb: counts 8 to 64, best at 8: edge min, sweep 2,4,6,8
                          open_rate/asio: open loop at 4000/s: p99 lowest at 16 (1500 us), 8 is
                            within 5% (1550 us): recommended 8, though 32 has the most tasks/s"""

import json
import os
import random
import statistics

HERE = os.path.dirname(os.path.abspath(__file__))
REPS = 5
CONTEXT = {
    "date": "2026-11-26T12:00:00+00:00", "host_name": "bench-1",
    "executable": "build/release/bench/execbench", "num_cpus": 2, "mhz_per_cpu": 2893,
    "cpu_scaling_enabled": False, "caches": [], "load_avg": [0.5, 0.3, 0.2],
    "library_build_type": "debug", "execbench_version": "0.1.0", "build_type": "Release",
    "hardware_concurrency": "2", "benchmark_version": "1.7.1",
}


def usl(sigma, kappa, lam, n):
    return lam * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))


def rows_for(name, family, values, wait_compute_ratio, error=None):
    """Iteration rows (one per value) plus the four aggregates, as Google Benchmark orders them."""
    run_name = f"{name}/real_time"
    if error:
        return [{"name": run_name, "family_index": family, "per_family_instance_index": 0,
                 "run_name": run_name, "run_type": "iteration", "repetitions": REPS,
                 "repetition_index": 0, "threads": 1, "iterations": 0, "real_time": 0,
                 "cpu_time": 0, "time_unit": "ms", "error_occurred": True,
                 "error_message": error}]
    workers = int(name.rsplit(":", 1)[1])
    rows = []
    for index, tput in enumerate(values):
        rows.append({
            "name": run_name, "family_index": family, "per_family_instance_index": 0,
            "run_name": run_name, "run_type": "iteration", "repetitions": len(values),
            "repetition_index": index, "threads": 1, "iterations": 1,
            "real_time": 2000 / tput * 1000 if tput > 0 else 0.0, "cpu_time": 1.0,
            "time_unit": "ms", "tasks_per_s": tput,
            "lat_p99_us": 1000.0 * workers / max(tput, 1) * 1000,
            "wait_compute_ratio": wait_compute_ratio, "workers": float(workers),
            "efficiency": 0.5,
        })
    for aggregate, f in (("mean", statistics.mean), ("median", statistics.median),
                         ("stddev", statistics.stdev), ("cv", None)):
        row = dict(rows[0])
        row.pop("repetition_index")
        row.update(name=f"{run_name}_{aggregate}", run_type="aggregate", aggregate_name=aggregate)
        for key in ("tasks_per_s", "lat_p99_us", "real_time"):
            column = [r[key] for r in rows]
            if f is not None:
                row[key] = f(column)
            else:
                mean = statistics.mean(column)
                row[key] = statistics.stdev(column) / mean if mean else float("nan")
                row["aggregate_unit"] = "percentage"
        rows.append(row)
    return rows


def series(workload, runtime, family, curve, worker_counts, wait_compute_ratio, rng, noise):
    rows = []
    for n in worker_counts:
        values = [curve(n) * (1 + rng.uniform(-noise, noise)) for _ in range(REPS)]
        rows += rows_for(f"{workload}/{runtime}/workers:{n}", family, values, wait_compute_ratio)
    return rows


def spread_rows(name, family, centre, spread, counters):
    """REPS iteration rows whose tasks_per_s are centre x (1 + k spread), k = -2..2, with the
    given constant counters (p99 included when given), plus a median aggregate."""
    run_name = f"{name}/real_time"
    workers = int(name.rsplit(":", 1)[1])
    rows = []
    for index, k in enumerate(range(-(REPS // 2), REPS // 2 + 1)):
        tput = centre * (1 + k * spread)
        row = {"name": run_name, "family_index": family, "per_family_instance_index": 0,
               "run_name": run_name, "run_type": "iteration", "repetitions": REPS,
               "repetition_index": index, "threads": 1, "iterations": 1,
               "real_time": 2000 / tput * 1000, "cpu_time": 1.0, "time_unit": "ms",
               "tasks_per_s": tput, "lat_p99_us": 1000.0, "workers": float(workers),
               "efficiency": 0.9}
        row.update({key: (value(k) if callable(value) else value) for key, value in counters.items()})
        rows.append(row)
    median = dict(rows[REPS // 2])
    median.pop("repetition_index")
    median.update(name=f"{run_name}_median", run_type="aggregate", aggregate_name="median")
    return rows + [median]


def write(name, benchmarks):
    with open(os.path.join(HERE, name), "w") as f:
        # Google Benchmark writes NaN bare (the cv of a zero mean): keep it so.
        json.dump({"context": CONTEXT, "benchmarks": benchmarks}, f, indent=2, allow_nan=True)
        f.write("\n")


def main():
    rng = random.Random(7)
    powers = [1, 2, 4, 8, 16, 32, 64, 128, 256]
    cpu = lambda n: 10000 * min(n, 2) * (1 - 0.004 * max(0, n - 2))
    io = lambda n: 500 * min(n, 64)
    model = lambda n: usl(0.05, 0.001, 1000, n)
    zigzag = {1: 900, 2: 2400, 3: 700, 4: 2600, 6: 500, 8: 2500, 12: 800, 16: 2300}
    benchmarks = []
    benchmarks += series("cpu_spin", "thread_pool", 0, cpu, [1, 2, 3, 4, 6, 8, 16, 32], 0.01, rng,
                         0.005)
    benchmarks += series("web_io", "asio", 1, io, powers, 30.0, rng, 0.005)
    benchmarks += series("usl_model", "tbb", 2, model, powers[:8], 1.5, rng, 0.002)
    benchmarks += series("noisy", "thread_per_task", 3, zigzag.get, list(zigzag), 0.5, rng, 0.01)
    for n in (1, 2, 4, 8):
        benchmarks += rows_for(f"primitive/spawn/tbb/workers:{n}", 4, [1e6] * REPS, 0.0)
    write("sweep.json", benchmarks)

    good = series("cpu_spin", "thread_pool", 0, cpu, [1, 2, 4, 8, 16], 0.01, rng, 0.005)
    few = series("cpu_spin", "asio", 1, cpu, [1, 2, 4], 0.01, rng, 0.005)
    errored = []
    for n in (1, 2, 4, 8):
        errored += rows_for(f"cpu_spin/tbb/workers:{n}", 2, [], 0.0, error="task count mismatch")
    zero = series("cpu_spin", "loop", 3, lambda n: 0.0 if n == 4 else cpu(n), [1, 2, 4, 8], 0.01,
                  rng, 0.0)
    write("sweep_partly_bad.json", good + few + errored + zero)
    write("sweep_few_counts.json", few)
    write("sweep_nonpositive.json", zero)
    write("sweep_errored.json", errored)
    ranges = []
    for n in [1, 2, 4, 8, 16, 32, 64, 128, 256]:
        ranges += spread_rows(f"wait_only/thread_pool/workers:{n}", 0, 100.0 * n, 0.002,
                              {"wait_compute_ratio": float("inf")})
    drift = {1: (100, 12), 2: (200, 11), 4: (400, 10), 8: (800, 14), 16: (1600, 18),
             32: (3200, 22), 48: (4700, 26), 64: (5000, 30), 96: (5020, 33), 128: (4500, 35)}
    for n, (centre, ratio) in drift.items():
        ranges += spread_rows(f"drift/thread_pool/workers:{n}", 1, centre,
                              0.03 if n == 48 else 0.003, {"wait_compute_ratio": float(ratio)})
    for n, centre in {8: 1000, 16: 900, 32: 800, 64: 700}.items():
        ranges += spread_rows(f"shrinking/tbb/workers:{n}", 2, centre, 0.002,
                              {"wait_compute_ratio": 0.01})
    open_points = {1: (3800, 90000, 0.7), 2: (3950, 20000, 0.9), 4: (3990, 5000, 0.99),
                   8: (3994, 1550, 0.99), 16: (3995, 1500, 0.99), 32: (4000, 1700, 0.99)}
    for n, (centre, p99, efficiency) in open_points.items():
        ranges += spread_rows(f"open_rate/asio/workers:{n}", 3, centre, 0.0005,
                              {"offered_rate_per_s": 4000.0, "efficiency": efficiency,
                               "wait_compute_ratio": 10.0,
                               "lat_p99_us": lambda k, p99=p99: p99 * (1 + 0.002 * k)})
    write("sweep_ranges.json", ranges)
    write("sweep_primitives_only.json",
          rows_for("primitive/spawn/tbb/workers:1", 0, [1e6] * REPS, 0.0) +
          rows_for("primitive/spawn/tbb/workers:2", 0, [1e6] * REPS, 0.0))


if __name__ == "__main__":
    main()
