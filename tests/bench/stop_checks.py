"""A run stopped by a signal keeps what finished, and --resume completes it (README, "When a run
is stopped"):
  1. SIGTERM after the first row finished: exit 143; the report is valid JSON with
     "interrupted": true and every row that finished, none errored, no row that did not start;
     `execbench-report summary` reads it; --resume runs only what it lacks and writes one report
     of every row the run selects, each with all its repetitions, and no longer "interrupted";
  2. SIGINT, then SIGINT again while a long row runs: the second one stops at once (exit 130)
     and the report still holds the row that finished before.

Usage: stop_checks.py EXECBENCH EXECBENCH_REPORT WORK_DIR"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

if len(sys.argv) != 4:
    sys.exit(__doc__)
execbench, report_tool, work = (os.path.abspath(a) for a in sys.argv[1:])
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
os.chdir(work)
# A cache of this test's own: the runs here must not wait on (or refresh) the user's.
env = dict(os.environ, EXECBENCH_CACHE_DIR=os.path.join(work, "cache"))
failures = []


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        failures.append(what)


def load(path):
    with open(path) as f:
        return json.load(f)  # Python reads the bare NaN and Infinity Google Benchmark writes


def iteration_rows(report):
    """run_name -> [error_occurred of each repetition]"""
    rows = {}
    for b in report["benchmarks"]:
        if b.get("run_type") == "iteration":
            rows.setdefault(b["run_name"], []).append(bool(b.get("error_occurred")))
    return rows


def start(args):
    return subprocess.Popen([execbench, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def wait_for_row(proc, prefix, seconds):
    """Reads the display until a row starting with `prefix` is printed (a finished row)."""
    deadline = time.monotonic() + seconds
    for line in proc.stdout:
        if line.startswith(prefix):
            return True
        if time.monotonic() > deadline:
            break
    return False


def finish(proc, seconds):
    try:
        out, err = proc.communicate(timeout=seconds)
        return proc.returncode, err
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return None, ""


# ---- 1. SIGTERM mid-suite, then --resume ----
# Nine rows of two repetitions each: enough to stop between rows and inside one (the repetitions
# run in random interleaving), few enough for the sanitizers' builds. The test stops the run as
# soon as it reads the first finished row: execbench writes each row out as it finishes (a
# display held in stdio's buffer until the end let the whole run finish first).
selection = ["--benchmark_filter=^primitive/(spawn_many|ping_pong|yield_many)/",
             "--runtimes=loop,thread_pool", "--benchmark_repetitions=2",
             "--benchmark_min_time=0.01"]
listed = subprocess.run([execbench, *selection, "--benchmark_list_tests"], capture_output=True,
                        text=True, timeout=60, env=env).stdout.split()
check(len(listed) >= 6, f"the selection has rows to stop in ({len(listed)})")

proc = start([*selection, "--benchmark_out=stopped.json"])
check(wait_for_row(proc, "primitive/", 120), "a row finishes")
proc.send_signal(signal.SIGTERM)
status, err = finish(proc, 120)
check(status == 143, f"SIGTERM: exit status 143 (got {status}; {err[-300:]!r})")
check("stopped by SIGTERM" in err and "--resume=stopped.json" in err,
      "SIGTERM: stderr says what was kept and how to resume")
stopped = load("stopped.json") if os.path.exists("stopped.json") else None
check(stopped is not None, "SIGTERM: the report is written")
if stopped is not None:
    rows = iteration_rows(stopped)
    check(stopped["context"].get("interrupted") is True, "SIGTERM: context has \"interrupted\": true")
    check(stopped["context"].get("interrupted_by") == "SIGTERM", "SIGTERM: and by what")
    check(1 <= len(rows) < len(listed), f"SIGTERM: some rows kept, not all ({len(rows)})")
    check(all(not any(errors) for errors in rows.values()),
          "SIGTERM: no repetition is errored (rows not started are absent)")
    check(set(rows) <= set(listed), "SIGTERM: every kept row is one of the selection")
    summary = subprocess.run([report_tool, "summary", "stopped.json"], capture_output=True,
                             text=True, timeout=60)
    check(summary.returncode == 0, f"summary reads the stopped report ({summary.stderr[-200:]!r})")

    before = open("stopped.json").read()
    proc = start(["--resume=stopped.json", "--benchmark_out=resumed.json"])
    status, err = finish(proc, 300)
    check(status == 0, f"--resume: exit status 0 (got {status}; {err[-300:]!r})")
    check(open("stopped.json").read() == before, "--resume: the stopped report is left as it was")
    resumed = load("resumed.json") if os.path.exists("resumed.json") else None
    check(resumed is not None, "--resume: the completed report is written")
    if resumed is not None:
        rows = iteration_rows(resumed)
        asked = {b["run_name"]: b["repetitions"] for b in resumed["benchmarks"]}
        check(sorted(rows) == sorted(listed), "--resume: every selected row, once")
        check(all(len(e) == asked[n] and not any(e) for n, e in rows.items()),
              "--resume: every row with all its repetitions, none errored")
        check("interrupted" not in resumed["context"], "--resume: no longer \"interrupted\"")
        check(resumed["context"].get("arguments") == stopped["context"].get("arguments"),
              "--resume: the run's arguments are kept")
        finished = {n for n, e in iteration_rows(stopped).items()
                    if len(e) == asked.get(n, 0)}
        kept = [b for b in resumed["benchmarks"] if b["run_name"] in finished]
        check(kept == [b for b in stopped["benchmarks"] if b["run_name"] in finished],
              "--resume: the rows that had finished are kept as they were, not run again")

# ---- 2. SIGINT twice: the second stops at once ----
with open("quick.json", "w") as f:
    json.dump({"name": "quick", "graph": {"shape": "independent", "tasks": 10},
               "task": [{"io": "timer", "latency_us": 100}]}, f)
with open("slow.json", "w") as f:
    json.dump({"name": "slow", "graph": {"shape": "independent", "tasks": 2},
               "task": [{"io": "timer", "latency_us": 30000000}]}, f)
proc = start(["--workload=quick.json", "--workload=slow.json", "--runtimes=loop", "--workers=1",
              "--benchmark_enable_random_interleaving=false", "--benchmark_repetitions=1",
              "--benchmark_out=twice.json"])
check(wait_for_row(proc, "quick/", 120), "the quick row finishes before the slow one starts")
time.sleep(0.5)
proc.send_signal(signal.SIGINT)
time.sleep(0.5)
signalled = time.monotonic()
proc.send_signal(signal.SIGINT)
status, err = finish(proc, 25)  # the slow row alone would take 30 s
check(status == 130, f"SIGINT twice: exit status 130 (got {status}; {err[-300:]!r})")
check(time.monotonic() - signalled < 20, "SIGINT twice: the second signal stops the run at once")
twice = load("twice.json") if os.path.exists("twice.json") else None
check(twice is not None and list(iteration_rows(twice)) == ["quick/loop/workers:1/process_time/real_time"],
      "SIGINT twice: the report holds the finished row and not the one in progress")
check(twice is not None and twice["context"].get("interrupted_by") == "SIGINT twice",
      "SIGINT twice: context says so")
leftovers = [f for f in os.listdir(work) if ".tmp." in f]
check(not leftovers, f"no temporary file left ({leftovers})")

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
