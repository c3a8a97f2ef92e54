#!/usr/bin/python3
"""scripts/ab run as a program on two fake execbench binaries (data/ab/fake_execbench, which
writes a small valid report in milliseconds): its help, the rounds and their reports, BASE's
calibration passed on, the warning for a binary without --calibration, the random order, the
paired comparison and its exit status, bad input, and an interrupt that keeps finished rounds.

Usage: ab_checks.py SCRIPTS_AB EXECBENCH_REPORT DATA_DIR WORK_DIR"""

import json
import os
import signal
import subprocess
import time

from checks_common import arguments, check, finish

ab, report_bin, data, work = arguments(4)
fake = os.path.join(data, "ab", "fake_execbench")


def run(args, log, timeout=120, **env):
    environment = dict(os.environ, EXECBENCH_REPORT=report_bin, FAKE_LOG=log)
    environment.update(env)
    return subprocess.run([ab, *args], capture_output=True, text=True, env=environment,
                          timeout=timeout)


def log_lines(log):
    with open(log) as f:
        return [line.split() for line in f]


# --help: the help only, and nothing run.
log = os.path.join(work, "help.log")
result = run(["--help"], log)
check(result.returncode == 0 and result.stdout.startswith("Did my change make it slower?"),
      "--help prints the help, exit 0")
check("--rounds N" in result.stdout and "--calibration" in result.stdout, "--help documents options")
check(not os.path.exists(log), "--help runs nothing")

# A/A: three rounds, both binaries take --calibration, a fixed seed for the order.
out = os.path.join(work, "aa")
log = os.path.join(work, "aa.log")
result = run([fake, fake, "--rounds", "3", "--out", out, "--benchmark_filter=x"], log,
             FAKE_CALIBRATION="1", EXECBENCH_AB_SEED="7")
check(result.returncode == 0, f"A/A: exit 0 (got {result.returncode}: {result.stderr[-300:]!r})")
names = sorted(f for f in os.listdir(out) if f.endswith(".json"))
check(names == [f"round-{i}-{side}.json" for i in (1, 2, 3) for side in ("base", "new")],
      f"A/A: one report per binary and round (got {names})")
check(not [f for f in os.listdir(out) if "partial" in f], "A/A: no partial report left")
for name in names:
    with open(os.path.join(out, name)) as f:
        check(len(json.load(f)["benchmarks"]) == 6, f"A/A: {name} is the binary's whole report")
runs = log_lines(log)
check(len(runs) == 6, "A/A: six runs")
check("--benchmark_filter=x" in runs[0], "A/A: other flags are passed to the binaries")
calibration = "--calibration=" + os.path.join(out, "round-1-base.json")
first = runs[0]
check(any(a.startswith("--benchmark_out=") and "round-1-base" in a for a in first)
      and not any(a.startswith("--calibration") for a in first),
      "A/A: round 1 runs BASE first, on its own calibration")
check(all(calibration in r for r in runs[1:]), "A/A: every later run takes BASE's calibration")
check(result.stdout.count("paired rounds") == 1 and "gate:" in result.stdout,
      "A/A: prints the paired comparison")
check("round 3/3 done" in result.stderr and "left" in result.stderr,
      "A/A: a progress line per round with the time left")
check(out in result.stderr, "A/A: says where the reports are")

# Random order: over 8 rounds with a seed, both orders occur after round 1.
out = os.path.join(work, "order")
log = os.path.join(work, "order.log")
result = run([fake, fake, "--rounds", "8", "--out", out], log, FAKE_CALIBRATION="1",
             EXECBENCH_AB_SEED="3")
firsts = [next(a for a in r if a.startswith("--benchmark_out=")) for r in log_lines(log)[0::2]]
check(result.returncode == 0 and len(firsts) == 8, "order: eight rounds")
check(any("-base." in a for a in firsts[1:]) and any("-new." in a for a in firsts[1:]),
      f"order: BASE first in some rounds, NEW first in others ({firsts})")
# Counterbalanced: rounds 2-3, 4-5, 6-7 each have one BASE first and one NEW first.
check(all(("-base." in firsts[i]) != ("-base." in firsts[i + 1]) for i in (1, 3, 5)),
      f"order: each pair of rounds after the first has one BASE first and one NEW first ({firsts})")

# A binary without --calibration: warned about, run without it; the other still gets it.
out = os.path.join(work, "nocal")
log = os.path.join(work, "nocal.log")
plain = os.path.join(work, "plain_execbench")
with open(plain, "w") as f:
    f.write(f"#!/bin/sh\nFAKE_CALIBRATION=0 FAKE_NAME=plain exec {fake} \"$@\"\n")
os.chmod(plain, 0o755)
result = run([fake, plain, "--rounds", "2", "--out", out], log, FAKE_CALIBRATION="1",
             FAKE_NAME="cal")
check(result.returncode == 0, "no --calibration: exit 0")
check(f"warning: {plain} does not mention --calibration" in result.stderr,
      "no --calibration: the binary is named in a warning")
runs = log_lines(log)
check(all(not any(a.startswith("--calibration") for a in r) for r in runs if r[0] == "plain"),
      "no --calibration: that binary runs without it")
check(any(calibration.replace("aa", "nocal") in r for r in runs if r[0] == "cal"),
      "no --calibration: the other binary still takes BASE's")

# A real regression: NEW 30% slower in every round; 9 rounds reach 0.05/3 (2/512) with room
# to spare for a tie between two rounds.
out = os.path.join(work, "slow")
log = os.path.join(work, "slow.log")
slow = os.path.join(work, "slow_execbench")
with open(slow, "w") as f:
    f.write(f"#!/bin/sh\nFAKE_FACTOR=1.3 exec {fake} \"$@\"\n")
os.chmod(slow, 0o755)
result = run([fake, slow, "--rounds", "9", "--out", out, "--fail-on-regression"], log)
check(result.returncode == 1, f"regression: exit 1 under --fail-on-regression (got {result.returncode})")
check("gate: regression" in result.stdout and " slower " in result.stdout,
      "regression: the comparison calls it slower")
out2 = os.path.join(work, "slow2")
result = run([fake, slow, "--rounds", "7", "--out", out2], os.path.join(work, "slow2.log"))
check(result.returncode == 0, "regression without --fail-on-regression: exit 0")

# Bad input: one line, exit 2, nothing run.
log = os.path.join(work, "bad.log")
for args, what in (([fake, os.path.join(work, "missing")], "not an executable file"),
                   ([fake], "needs BASE_BIN and NEW_BIN"),
                   ([fake, fake, "--rounds", "0"], "--rounds"),
                   ([fake, fake, "--benchmark_out=x.json"], "writes the reports itself")):
    result = run(args, log)
    check(result.returncode == 2 and len(result.stderr.splitlines()) == 1 and what in result.stderr,
          f"bad input {args[1:]}: exit 2, one line naming {what!r} (got {result.stderr!r})")
check(not os.path.exists(log), "bad input: nothing run")
result = run([fake, fake], log, EXECBENCH_REPORT=os.path.join(work, "no_report_bin"))
check(result.returncode == 2 and "execbench-report not found" in result.stderr,
      "missing execbench-report: exit 2 before any round")

# Interrupted: finished rounds are kept and named, the running one leaves nothing half written.
out = os.path.join(work, "interrupted")
log = os.path.join(work, "interrupted.log")
environment = dict(os.environ, EXECBENCH_REPORT=report_bin, FAKE_LOG=log, FAKE_SLEEP="0.4")
process = subprocess.Popen([ab, fake, fake, "--rounds", "20", "--out", out],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=environment)
deadline = time.time() + 60
while time.time() < deadline and not all(
        os.path.exists(os.path.join(out, f"round-2-{side}.json")) for side in ("base", "new")):
    time.sleep(0.05)
time.sleep(0.2)  # into round 3
process.send_signal(signal.SIGINT)
stdout, stderr = process.communicate(timeout=60)
check(process.returncode == 130, f"interrupted: exit 130 (got {process.returncode})")
kept = sorted(f for f in os.listdir(out) if f.endswith(".json"))
check({"round-1-base.json", "round-1-new.json", "round-2-base.json", "round-2-new.json"} <= set(kept),
      f"interrupted: finished rounds' reports kept ({kept})")
check(not [f for f in os.listdir(out) if "partial" in f], "interrupted: no partial report left")
check("interrupted" in stderr and out in stderr and "finished rounds' reports are kept" in stderr,
      "interrupted: says where the finished rounds are")
check(stdout == "", "interrupted: no comparison printed")

finish()
