#!/usr/bin/python3
"""Writes the summary fixtures of tests/reports/data: small Google Benchmark reports whose ranking
is known by construction (evenly spaced samples, so every median and range is worked out by hand
below). Deterministic; run it again only to change the fixtures.

  summary_ranges.json   tie_work: 9 samples a row (interval ranks 2 and 8 of Binomial(9, 1/2)):
                          loop/workers:1 1000..1008 -> 1004 [1001, 1007]
                          asio/workers:1  998..1006 -> 1002 [999, 1005]   overlaps loop: tied
                          asio/workers:2  900..908  (asio's worse count, not its representative)
                          thread_pool/workers:2 800..808 -> 804 [801, 807]   rank 3
                        single_work: one sample a row (loop 100, asio 90): n=1, no range
                        open_work: open loop (offered_rate_per_s = 4000), 5 samples a row (min-max):
                          loop/workers:1        p99 1500..1504 us, efficiency 0.99, 4000 tasks/s
                          asio/workers:2        p99 1200..1204 us, efficiency 0.98, 3990 tasks/s
                          thread_pool/workers:4 p99 50000..50004 us, efficiency 0.80: behind
                        asio ranks first on p99 though loop has the higher tasks_per_s.
  summary_quick.json    one sample a row, context quick = "true" (execbench --quick)"""

import copy
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CONTEXT = {
    "date": "2026-11-26T12:00:00+00:00", "host_name": "bench-1",
    "executable": "build/release/bench/execbench", "num_cpus": 2, "library_build_type": "debug",
    "execbench_version": "0.1.0", "build_type": "Release", "hardware_concurrency": "2",
    "benchmark_version": "1.7.1",
}


def rows(name, samples):
    """Iteration rows, one per dict of counters, plus a median aggregate (which is no sample)."""
    run_name = f"{name}/process_time/real_time"
    out = []
    for index, counters in enumerate(samples):
        tasks_per_s = counters.get("tasks_per_s", 1000.0)
        out.append({"name": run_name, "run_name": run_name, "run_type": "iteration",
                    "repetitions": len(samples), "repetition_index": index, "threads": 1,
                    "iterations": 1, "real_time": 2000 / tasks_per_s * 1000, "cpu_time": 1.0,
                    "time_unit": "ms", **counters})
    median = dict(out[len(out) // 2])
    median.pop("repetition_index")
    median.update(name=f"{run_name}_median", run_type="aggregate", aggregate_name="median")
    return out + [median]


def closed(values):
    return [{"tasks_per_s": float(v), "lat_p99_us": 1e6 / v, "efficiency": v / 1100} for v in values]


def open_loop(p99_from, efficiency, tasks_per_s, count=5):
    return [{"tasks_per_s": tasks_per_s, "lat_p99_us": float(p99_from + i),
             "efficiency": efficiency, "offered_rate_per_s": 4000.0} for i in range(count)]


def write(name, context, benchmarks):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump({"context": context, "benchmarks": benchmarks}, f, indent=2)
        f.write("\n")


def main():
    benchmarks = []
    benchmarks += rows("tie_work/loop/workers:1", closed(range(1000, 1009)))
    benchmarks += rows("tie_work/asio/workers:1", closed(range(998, 1007)))
    benchmarks += rows("tie_work/asio/workers:2", closed(range(900, 909)))
    benchmarks += rows("tie_work/thread_pool/workers:2", closed(range(800, 809)))
    benchmarks += rows("single_work/loop/workers:1", closed([100]))
    benchmarks += rows("single_work/asio/workers:1", closed([90]))
    benchmarks += rows("open_work/loop/workers:1", open_loop(1500, 0.99, 4000.0))
    benchmarks += rows("open_work/asio/workers:2", open_loop(1200, 0.98, 3990.0))
    benchmarks += rows("open_work/thread_pool/workers:4", open_loop(50000, 0.80, 3000.0))
    write("summary_ranges.json", CONTEXT, benchmarks)

    quick = []
    quick += rows("tie_work/loop/workers:1", closed([1004]))
    quick += rows("tie_work/asio/workers:1", closed([1002]))
    write("summary_quick.json", {**copy.deepcopy(CONTEXT), "quick": "true"}, quick)


if __name__ == "__main__":
    main()
