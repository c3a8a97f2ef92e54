"""What the *_checks.py scripts of this folder share: their arguments as absolute paths with a
fresh work directory last, check() printing one ok/FAIL line a check, and the exit status.

The scripts are run as `python3 tests/reports/X_checks.py ...`, so this folder is first on
sys.path and `import checks_common` finds this file wherever the build directory is."""

import os
import shutil
import sys

failures = []


def arguments(count):
    """The first `count` command-line arguments, made absolute; the last names the work
    directory, which is removed and made again empty."""
    paths = [os.path.abspath(a) for a in sys.argv[1:count + 1]]
    if len(paths) != count:
        sys.exit(f"expected {count} arguments, got {len(paths)} (see the script's Usage)")
    shutil.rmtree(paths[-1], ignore_errors=True)
    os.makedirs(paths[-1])
    return paths


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        failures.append(what)


def finish():
    """Print how many checks failed and exit 1 if any did, else 0."""
    print(f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


PRESETS = ["async_tree_io", "async_tree_memo", "async_tree_mixed", "async_tree_none",
           "cpu_fanout", "disk_read", "fetch_and_count", "locked_counter", "offload_blocking",
           "open_loop_request", "sleep_fanout", "tcp_echo", "wavefront", "web_request"]
PRIMITIVES = ["spawn_many", "post_local", "post_remote", "ping_pong", "chained_spawn",
              "yield_many", "timers_1k", "timers_100k", "thread_start", "spawn_few"]


def write_default_like_report(data, path):
    """A report shaped like a default run's (14 workloads of 13 rows, 10 primitives of 8 rows,
    3 repetitions a row and Google Benchmark's 4 aggregates, about 1,600 entries), made from
    data/report.json's web_request and primitive/spawn rows, each workload scaled by its own
    factor: the page's size and its first screen are measured on it."""
    import json
    with open(os.path.join(data, "report.json")) as f:
        document = json.loads(f.read().replace("-NaN", "NaN"))
    source = document["benchmarks"]
    rows = []

    def copy(prefix, new_prefix, factor, workers_from=None, workers_to=None):
        taken = {}
        for row in source:
            name = row["run_name"]
            if not name.startswith(prefix):
                continue
            if workers_from and f"/workers:{workers_from}/" not in name:
                continue
            new_name = new_prefix + name[len(prefix):]
            if workers_to:
                new_name = new_name.replace(f"/workers:{workers_from}/", f"/workers:{workers_to}/")
            if row.get("run_type") == "iteration":
                taken[new_name] = taken.get(new_name, 0) + 1
                if taken[new_name] > 3:
                    continue
            clone = dict(row, name=new_name, run_name=new_name)
            for key in ("tasks_per_s", "items_per_second"):
                if isinstance(clone.get(key), float):
                    clone[key] *= factor
            rows.append(clone)

    for index, preset in enumerate(PRESETS):
        copy("web_request/", preset + "/", 1 + 0.37 * index)
    for index, primitive in enumerate(PRIMITIVES):
        copy("primitive/spawn/", f"primitive/{primitive}/", 1 + 0.5 * index)
        copy("primitive/spawn/", f"primitive/{primitive}/", 0.6 + 0.5 * index, 1, 2)
    document["benchmarks"] = rows
    with open(path, "w") as f:
        json.dump(document, f)
    return path
