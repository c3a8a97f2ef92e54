#!/usr/bin/python3
"""Writes the report fixtures of tests/reports/data: Google Benchmark 1.7.1 JSON as execbench
writes it (context with custom keys, iteration rows, mean/median/stddev/cv aggregates, NaN
tokens, an errored row). Deterministic (fixed seed); run it again only to change the fixtures,
then regenerate the golden files (see tests/reports/CMakeLists.txt)."""

import copy
import json
import math
import os
import random
import statistics

HERE = os.path.dirname(os.path.abspath(__file__))
REPS = 9

CONTEXT = {
    "date": "2026-11-26T10:12:03+00:00",
    "host_name": "bench-1",
    "executable": "build/release/bench/execbench",
    "num_cpus": 2,
    "mhz_per_cpu": 2893,
    "cpu_scaling_enabled": False,
    "caches": [
        {"type": "Data", "level": 1, "size": 32768, "num_sharing": 1},
        {"type": "Instruction", "level": 1, "size": 32768, "num_sharing": 1},
        {"type": "Unified", "level": 2, "size": 1048576, "num_sharing": 1},
        {"type": "Unified", "level": 3, "size": 33554432, "num_sharing": 2},
    ],
    "load_avg": [0.52, 0.31, 0.2],
    "library_build_type": "debug",
    "execbench_version": "0.1.0",
    "git_sha": "b0c41e1",
    "compiler": "GNU 12.2.0",
    "build_type": "Release",
    "boost_version": "1.74.0",
    "tbb_version": "2021.8.0",
    "nlohmann_json_version": "3.11.2",
    "benchmark_version": "1.7.1",
    "kernel": "6.1.0-27-amd64",
    "cpu_model": "Intel(R) Xeon(R) CPU @ 2.80GHz",
    "hardware_concurrency": "2",
    "governor": "performance",
}

COUNTERS = ["cpu_util", "ctx_switches_invol", "ctx_switches_vol", "efficiency", "ideal_ms",
            "lat_max_us", "lat_p50_us", "lat_p999_us", "lat_p99_us", "loop_lag_p99_us",
            "makespan_ms", "max_rss_mb", "tasks_per_s", "wait_compute_ratio", "workers"]


def workload_counters(rng, makespan_ms, tasks, workers, async_runtime, invol=True):
    """Counters of one repetition, consistent with its makespan."""
    lat_p50 = makespan_ms * 1000 / 40 * rng.uniform(0.97, 1.03)
    c = {
        "cpu_util": rng.uniform(0.2, 0.6),
        "ctx_switches_invol": float(rng.randint(3, 40)) if invol else 0.0,
        "ctx_switches_vol": float(rng.randint(2000, 2600)),
        "efficiency": 120.0 / makespan_ms,
        "ideal_ms": 120.0,
        "lat_max_us": lat_p50 * 6,
        "lat_p50_us": lat_p50,
        "lat_p999_us": lat_p50 * 4.5,
        "lat_p99_us": lat_p50 * 3,
        "makespan_ms": makespan_ms,
        "max_rss_mb": rng.uniform(11.5, 12.5),
        "tasks_per_s": tasks / (makespan_ms / 1000),
        "wait_compute_ratio": rng.uniform(55, 60),
        "workers": float(workers),
    }
    if async_runtime:
        c["loop_lag_p99_us"] = rng.uniform(40, 90)
    return c


def aggregate_rows(name, family, instance, reps, time_unit):
    """mean, median, stddev and cv rows as Google Benchmark computes them."""
    out = []
    keys = ["real_time", "cpu_time"] + [k for k in reps[0] if k not in ("real_time", "cpu_time")]
    for agg in ("mean", "median", "stddev", "cv"):
        row = {"name": f"{name}_{agg}", "family_index": family,
               "per_family_instance_index": instance, "run_name": name,
               "run_type": "aggregate", "repetitions": len(reps), "threads": 1,
               "aggregate_name": agg, "aggregate_unit": "percentage" if agg == "cv" else "time",
               "iterations": len(reps)}
        values = {}
        for k in keys:
            xs = [r[k] for r in reps]
            mean = statistics.fmean(xs)
            sd = statistics.stdev(xs)
            values[k] = {"mean": mean, "median": statistics.median(xs), "stddev": sd,
                         "cv": sd / mean if mean != 0 else math.nan}[agg]
        row["real_time"] = values["real_time"]
        row["cpu_time"] = values["cpu_time"]
        row["time_unit"] = time_unit
        for k in keys[2:]:
            row[k] = values[k]
        out.append(row)
    return out


def benchmark_rows(name, family, instance, samples, time_unit, iterations=3):
    """Iteration rows then aggregates; `samples` are dicts with real_time, cpu_time, counters."""
    rows = []
    for i, s in enumerate(samples):
        row = {"name": name, "family_index": family, "per_family_instance_index": instance,
               "run_name": name, "run_type": "iteration", "repetitions": len(samples),
               "repetition_index": i, "threads": 1, "iterations": iterations,
               "real_time": s["real_time"], "cpu_time": s["cpu_time"], "time_unit": time_unit}
        row.update({k: v for k, v in s.items() if k not in ("real_time", "cpu_time")})
        rows.append(row)
    if len(samples) > 1:
        rows += aggregate_rows(name, family, instance, samples, time_unit)
    return rows


def errored_rows(name, family, instance, message, reps=REPS):
    return [{"name": name, "family_index": family, "per_family_instance_index": instance,
             "run_name": name, "run_type": "iteration", "repetitions": reps,
             "repetition_index": i, "threads": 1, "error_occurred": True,
             "error_message": message, "iterations": 0, "real_time": 0.0, "cpu_time": 0.0,
             "time_unit": "ms"} for i in range(reps)]


def workload_samples(rng, makespan_ms, workers, async_runtime, reps=REPS, noise=0.01,
                     invol=True):
    out = []
    for _ in range(reps):
        m = makespan_ms * (1 + rng.gauss(0, noise))
        s = {"real_time": m, "cpu_time": m * rng.uniform(0.3, 0.5)}
        s.update(workload_counters(rng, m, 2000, workers, async_runtime, invol))
        out.append(s)
    return out


def primitive_samples(rng, ns, reps=REPS):
    out = []
    for _ in range(reps):
        t = ns * (1 + rng.gauss(0, 0.01))
        out.append({"real_time": t, "cpu_time": t * 0.98, "items_per_second": 1e9 / t})
    return out


# Makespan (ms) of web_request and cpu_mix per runtime and worker count: plausible shapes
# (the loop is bound by its inline CPU steps, the pools scale until the 2 cores run out).
WEB = {"loop": {1: 410.0}, "loop_offload": {1: 300.0, 2: 190.0, 4: 170.0},
       "asio": {1: 280.0, 2: 160.0, 4: 150.0}, "thread_pool": {1: 900.0, 2: 470.0, 4: 250.0},
       "tbb": {1: 880.0, 2: 460.0, 4: 245.0}, "thread_per_task": {4: 260.0}}
CPU_MIX = {"loop": {1: 820.0}, "asio": {1: 800.0, 2: 420.0}, "thread_pool": {1: 810.0, 2: 430.0},
           "tbb": {1: 805.0, 2: 415.0}}
PRIMITIVES = {"spawn": {"loop": 95.0, "asio": 310.0, "thread_pool": 1450.0, "tbb": 520.0}}
ASYNC = {"loop", "loop_offload", "asio"}


def full_report(rng):
    rows = []
    family = 0
    for workload, table in (("web_request", WEB), ("cpu_mix", CPU_MIX)):
        for runtime, by_workers in table.items():
            for instance, (workers, makespan) in enumerate(by_workers.items()):
                name = f"{workload}/{runtime}/workers:{workers}/process_time/real_time"
                if workload == "cpu_mix" and runtime == "tbb" and workers == 2:
                    # A failed result check: SkipWithError, listed, never dropped.
                    rows += errored_rows(name, family, instance,
                                         "task count 1999 != 2000 (a task was lost)")
                    continue
                rows += benchmark_rows(name, family, instance,
                                       workload_samples(rng, makespan, workers, runtime in ASYNC,
                                                        invol=runtime != "loop"), "ms")
            family += 1
    for primitive, table in PRIMITIVES.items():
        for runtime, ns in table.items():
            name = f"primitive/{primitive}/{runtime}/workers:1/real_time"
            rows += benchmark_rows(name, family, 0, primitive_samples(rng, ns), "ns",
                                   iterations=1000000)
            family += 1
    return {"context": copy.deepcopy(CONTEXT), "benchmarks": rows}


def compare_pair(rng):
    """BASE and NEW for compare: unchanged, +1%, +20% (slower), -12% (faster), one only in BASE,
    one only in NEW, one errored in NEW, and an unknown counter."""
    base, new = [], []
    cases = [  # name, base makespan, factor in NEW
        ("web_request/asio/workers:2/process_time/real_time", 160.0, 1.00),
        ("web_request/loop/workers:1/process_time/real_time", 410.0, 1.01),
        ("web_request/thread_pool/workers:2/process_time/real_time", 470.0, 1.20),
        ("web_request/tbb/workers:2/process_time/real_time", 460.0, 0.88),
    ]
    for family, (name, makespan, factor) in enumerate(cases):
        async_rt = "/asio/" in name or "/loop/" in name
        invol = "/loop/" not in name  # the loop thread is rarely preempted: zeros, NaN cv
        b = workload_samples(rng, makespan, 2, async_rt, noise=0.005, invol=invol)
        n = workload_samples(rng, makespan * factor, 2, async_rt, noise=0.005, invol=invol)
        for s in b + n:
            s["queue_depth_custom"] = float(rng.randint(10, 20))
        base += benchmark_rows(name, family, 0, b, "ms")
        new += benchmark_rows(name, family, 0, n, "ms")
    base += benchmark_rows("web_request/loop_offload/workers:2/process_time/real_time", 4, 0,
                           workload_samples(rng, 190.0, 2, True, noise=0.005), "ms")
    new += benchmark_rows("web_request/loop_offload/workers:4/process_time/real_time", 5, 0,
                          workload_samples(rng, 170.0, 4, True, noise=0.005), "ms")
    name = "web_request/thread_per_task/workers:4/process_time/real_time"
    base += benchmark_rows(name, 6, 0, workload_samples(rng, 260.0, 4, False, noise=0.005), "ms")
    new += errored_rows(name, 6, 0, "task count 1999 != 2000 (a task was lost)")
    new_context = copy.deepcopy(CONTEXT)
    new_context["boost_version"] = "1.81.0"
    new_context["git_sha"] = "c0ffee1"
    return ({"context": copy.deepcopy(CONTEXT), "benchmarks": base},
            {"context": new_context, "benchmarks": new})


def single_run(report):
    """The same report without repetitions: one iteration row per benchmark."""
    rows = [dict(r, repetitions=1) for r in report["benchmarks"]
            if r["run_type"] == "iteration" and r.get("repetition_index", 0) == 0]
    return {"context": report["context"], "benchmarks": rows}


def split_repetitions(report, first):
    """Two files holding the first `first` repetitions and the rest, iteration rows only."""
    def keep(r, low):
        return r["run_type"] == "iteration" and (r["repetition_index"] < first) == low
    return ({"context": report["context"], "benchmarks": [r for r in report["benchmarks"] if keep(r, True)]},
            {"context": report["context"], "benchmarks": [r for r in report["benchmarks"] if keep(r, False)]})


def write(name, document):
    # json.dumps writes NaN for a NaN, exactly the token Google Benchmark's writer uses.
    with open(os.path.join(HERE, name), "w") as f:
        f.write(json.dumps(document, indent=2))
        f.write("\n")


def main():
    rng = random.Random(20261126)
    report = full_report(rng)
    write("report.json", report)
    base, new = compare_pair(rng)
    write("base.json", base)
    write("new.json", new)
    write("base_single.json", single_run(base))
    write("new_single.json", single_run(new))
    part1, part2 = split_repetitions(base, 5)
    write("base_part1.json", part1)
    write("base_part2.json", part2)
    # Bad inputs.
    with open(os.path.join(HERE, "bad_empty.json"), "w"):
        pass
    with open(os.path.join(HERE, "bad_not_json.json"), "w") as f:
        f.write("Run on (2 X 2893 MHz CPU s)\nweb_request/loop/workers:1  410 ms\n")
    text = json.dumps(base, indent=2)
    with open(os.path.join(HERE, "bad_truncated.json"), "w") as f:
        f.write(text[: len(text) // 2])
    write("bad_no_benchmarks.json", {"context": CONTEXT})
    write("bad_no_rows.json", {"context": CONTEXT, "benchmarks": []})
    write("disjoint.json", {"context": CONTEXT, "benchmarks": benchmark_rows(
        "other_workload/asio/workers:1/real_time", 0, 0,
        workload_samples(rng, 100.0, 1, True), "ms")})


if __name__ == "__main__":
    main()
