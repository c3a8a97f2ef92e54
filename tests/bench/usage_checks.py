"""Every bad input to the execbench binary, one case a row of a table: exit status 2, exactly one
line on stderr naming the input and the problem, nothing on stdout, and no report written: an
earlier report at --benchmark_out is left as it was, and no temporary file is left beside it.

Usage: usage_checks.py EXECBENCH REPORT_WITHOUT_ARGUMENTS WORK_DIR
  REPORT_WITHOUT_ARGUMENTS: a report whose context has no "arguments" (one of
  tests/reports/data), which --resume must refuse."""

import os
import re
import shutil
import subprocess
import sys

if len(sys.argv) != 4:
    sys.exit(__doc__)
execbench, old_report, work = (os.path.abspath(a) for a in sys.argv[1:])
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
os.chdir(work)
failures = []


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        failures.append(what)


def write(name, text):
    with open(name, "w") as f:
        f.write(text)
    return name


# Workload files, each wrong in one way (workloads/README.md; every validation rule is also a
# case of tests/workloads/spec_test.cpp, at the parser).
task = '"task": [{"cpu": "spin", "us": 5}]'
graph = '"graph": {"shape": "independent", "tasks": 4}'
write("empty.json", "")
write("syntax.json", '{"name": "t", ' + graph + ",")
write("unknown_key.json", '{"name": "t", ' + graph + ", " + task + ', "sed": 1}')
write("wrong_type.json", '{"name": "t", "graph": {"shape": "independent", "tasks": "4"}, ' + task + "}")
write("out_of_range.json", '{"name": "t", ' + graph + ', "task": [{"cpu": "spin", "us": -5}]}')
write("bad_name.json", '{"name": "a/b", ' + graph + ", " + task + "}")
write("good.json", '{"name": "good", ' + graph + ", " + task + "}")
os.makedirs("a_folder", exist_ok=True)
write("not_json.json", "this is not JSON\n")
write("tcp_only.json", '{"name": "tcp_only", ' + graph +
      ', "task": [{"io": "tcp", "request_bytes": 64, "response_bytes": 64}]}')

# (arguments, what stderr must match)
cases = [
    # execbench's own flags
    (["--workers=0"], r"--workers=0: '0' is not a worker count"),
    (["--workers=-2"], r"--workers=-2: '-2' is not a worker count"),
    (["--workers=x"], r"--workers=x: 'x' is not a worker count"),
    (["--workers=1025"], r"--workers=1025: '1025' is not a worker count \(.*1\.\.1024"),
    (["--workers=2,2"], r"--workers=2,2: 2 is listed twice"),
    (["--workers="], r"--workers= is empty"),
    (["--workers"], r"--workers needs a value"),
    (["--runtimes=nope"], r"unknown runtime 'nope' \(valid: "),
    (["--runtimes=loop,,asio"], r"--runtimes=loop,,asio: empty name"),
    (["--runtimes=loop", "--workers=2"], r"select no rows"),
    (["--recalibrate", "--calibration=r.json"], r"contradict"),
    (["--calibration=/nonexistent/r.json"], r"--calibration=/nonexistent/r.json"),
    (["--calibration=" + old_report], r"calibration_ns_per_iteration"),
    (["--no_such_flag"], r"unrecognized command-line flag: --no_such_flag"),
    # workload files
    (["--workload=/nonexistent/w.json"], r"/nonexistent/w.json: cannot open"),
    (["--workload=a_folder"], r"a_folder: is a folder"),
    (["--workload=empty.json"], r"empty.json.*(empty|end of input)"),
    (["--workload=syntax.json"], r"syntax.json:1:\d+: invalid JSON"),
    (["--workload=not_json.json"], r"not_json.json:1:\d+: invalid JSON"),
    (["--workload=unknown_key.json"], r"unknown_key.json: /sed: unknown key"),
    (["--workload=wrong_type.json"], r"wrong_type.json: /graph/tasks"),
    (["--workload=out_of_range.json"], r"out_of_range.json: /task/0/us"),
    (["--workload=bad_name.json"], r"bad_name.json: /name"),
    (["--workload=good.json", "--workload=good.json"], r"/name: \"good\" is the name of another"),
    # METG's flags and files
    (["--metg-threshold=0.4"], r"--metg-threshold goes with --metg"),
    (["--metg", "--metg-threshold=1.5"], r"--metg-threshold=1.5: not an efficiency"),
    (["--metg", "--workload=good.json"], r"--metg runs the METG sweep alone.*--workload"),
    (["--metg", "--tune"], r"--metg runs the METG sweep alone.*--tune"),
    (["--metg="], r"--metg= is empty"),
    (["--metg=/nonexistent/w.json"], r"^execbench: --metg: /nonexistent/w.json: cannot open"),
    (["--metg=a_folder"], r"--metg: a_folder: is a folder"),
    (["--metg=syntax.json"], r"--metg: syntax.json:1:\d+: invalid JSON"),
    (["--metg=bad_name.json"], r"bad_name.json: /name"),
    (["--metg=good.json", "--metg=good.json"], r"/name: \"good\" is the name of another"),
    (["--metg=tcp_only.json"], r"--metg: tcp_only.json: its tasks have no duration to scale"),
    # Google Benchmark's flags whose wrong values it would take or die on
    (["--benchmark_filter=nomatch"],
     r"^execbench: no benchmark matches 'nomatch'; execbench --benchmark_list_tests lists them$"),
    (["--benchmark_filter=("], r"--benchmark_filter=\(: not a regular expression"),
    (["--benchmark_filter=nomatch", "--benchmark_list_tests"], r"no benchmark matches 'nomatch'"),
    (["--benchmark_repetitions=0"], r"--benchmark_repetitions=0: expected a whole number"),
    (["--benchmark_repetitions=-1"], r"--benchmark_repetitions=-1: expected a whole number"),
    (["--benchmark_repetitions=x"], r"--benchmark_repetitions=x: expected a whole number"),
    (["--benchmark_min_time=0"], r"--benchmark_min_time=0: expected seconds, a number above 0"),
    (["--benchmark_min_time=-1"], r"--benchmark_min_time=-1: expected seconds"),
    (["--benchmark_min_time=1s"], r"--benchmark_min_time=1s: expected seconds"),
    (["--benchmark_min_warmup_time=-1"], r"--benchmark_min_warmup_time=-1: expected seconds"),
    (["--benchmark_enable_random_interleaving=maybe"], r"expected true or false"),
    (["--benchmark_color=maybe"], r"--benchmark_color=maybe: expected auto, true or false"),
    (["--benchmark_format=xml"], r"--benchmark_format=xml: expected console, json or csv"),
    (["--benchmark_time_unit=h"], r"--benchmark_time_unit=h: expected ns, us, ms or s"),
    # the report file and --resume
    (["--benchmark_out_format=xml"], r"--benchmark_out_format=xml: not a format"),
    (["--benchmark_out="], r"--benchmark_out= is empty"),
    (["--resume=/nonexistent/r.json"], r"--resume=/nonexistent/r.json: cannot read the report"),
    (["--resume=a_folder"], r"--resume=a_folder: cannot read the report \(a folder\)"),
    (["--resume=not_json.json"], r"--resume=not_json.json: not a report execbench wrote"),
    (["--resume=" + old_report], r"its context has no \"arguments\""),
]

previous = "an earlier report\n"
for args, expected in cases:
    out = os.path.join(work, "r.json")
    write(out, previous)
    # the cases about the report file itself name it; the others write to r.json
    report_args = [] if any(a.startswith("--benchmark_out=") for a in args) else ["--benchmark_out=" + out]
    try:
        run = subprocess.run([execbench, *args, *report_args], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        check(False, f"{args}: answers within 60 s")
        continue
    lines = run.stderr.splitlines()
    name = " ".join(args)
    check(run.returncode == 2, f"{name}: exit status 2 (got {run.returncode})")
    check(len(lines) == 1 and run.stderr.endswith("\n"),
          f"{name}: one line on stderr (got {run.stderr!r})")
    check(bool(lines) and re.search(expected, lines[0]) is not None,
          f"{name}: stderr matches {expected!r}")
    check(run.stdout == "", f"{name}: nothing on stdout")
    with open(out) as f:
        check(f.read() == previous, f"{name}: the report at --benchmark_out is left as it was")
    leftovers = [f for f in os.listdir(work) if ".tmp." in f or f.startswith(".execbench-probe")]
    check(not leftovers, f"{name}: no temporary file left ({leftovers})")

# --benchmark_out naming a folder, or a file in a folder that does not exist
for target, expected in [("a_folder", r"--benchmark_out=a_folder: is a folder"),
                         ("/nonexistent/r.json", r"--benchmark_out=/nonexistent/r.json: cannot write")]:
    run = subprocess.run([execbench, "--benchmark_filter=primitive/spawn_many/loop/",
                          "--benchmark_out=" + target], capture_output=True, text=True, timeout=60)
    check(run.returncode == 2 and re.search(expected, run.stderr) is not None
          and len(run.stderr.splitlines()) == 1,
          f"--benchmark_out={target}: one line, status 2 (got {run.returncode}, {run.stderr!r})")

# --resume with a flag of its own: the report's arguments are the run's
write("with_args.json", '{"context": {"arguments": "[]", "git_sha": "x"}, "benchmarks": []}')
run = subprocess.run([execbench, "--resume=with_args.json", "--workers=2"], capture_output=True,
                     text=True, timeout=60)
check(run.returncode == 2 and len(run.stderr.splitlines()) == 1,
      f"--resume with another flag: one line, status 2 (got {run.returncode}, {run.stderr!r})")
check("'--workers=2' cannot be added" in run.stderr,
      f"--resume with another flag: says why ({run.stderr!r})")

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
