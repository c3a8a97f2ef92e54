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
                          nothing to tune (exit 2)"""

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
    write("sweep_primitives_only.json",
          rows_for("primitive/spawn/tbb/workers:1", 0, [1e6] * REPS, 0.0) +
          rows_for("primitive/spawn/tbb/workers:2", 0, [1e6] * REPS, 0.0))


if __name__ == "__main__":
    main()
