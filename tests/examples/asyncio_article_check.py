"""The asyncio article's programs (examples/asyncio_article): each C++ program prints what its
Python asyncio twin prints, in a time no shorter than its waits ask (and, generously bounded, not
much longer), and is at most 1.5 times its twin's length in lines, as its README's table says.

    asyncio_article_check.py BIN_DIR SOURCE_DIR
"""
import re
import subprocess
import sys
import time
from pathlib import Path

bin_dir, source_dir = Path(sys.argv[1]), Path(sys.argv[2])
article = source_dir / "examples" / "asyncio_article"
# Each program's least running time, in seconds: the waits it makes one after another.
programs = {
    "ticker_fetch": 0.5,
    "run_until_complete": 0.1,
    "future_later": 0.3,
    "executor_ticker": 0.5,
    "producer_consumer": 0.2,
}
slack_s = 5.0  # shared 2-core machines: a generous bound on the time past the least
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print(f"FAIL {what}")


def code_lines(path, comment):
    return sum(1 for line in path.read_text().splitlines()
               if line.strip() and not line.strip().startswith(comment))


def run(command):
    start = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    return done, time.monotonic() - start


table = (article / "README.md").read_text()
for name, least_s in programs.items():
    cpp, took = run([str(bin_dir / name)])
    py, _ = run(["/usr/bin/python3", str(article / f"{name}.py")])
    check(cpp.returncode == 0, f"{name}: exit {cpp.returncode}: {cpp.stderr.strip()}")
    check(py.returncode == 0, f"{name}.py: exit {py.returncode}: {py.stderr.strip()}")
    check(cpp.stdout == py.stdout and cpp.stdout,
          f"{name}: prints {cpp.stdout!r}, its Python twin {py.stdout!r}")
    check(least_s <= took <= least_s + slack_s,
          f"{name}: took {took:.2f} s, expected {least_s} s to {least_s + slack_s} s")
    c, p = code_lines(article / f"{name}.cpp", "//"), code_lines(article / f"{name}.py", "#")
    check(c <= 1.5 * p, f"{name}: {c} lines of C++ for {p} of Python, over 1.5 times")
    row = re.search(rf"^\| `{name}` \| (\d+) \| (\d+) \|", table, re.M)
    check(row is not None and (int(row[1]), int(row[2])) == (c, p),
          f"{name}: the README's table says {row and row.group(0)}, the files have {c} and {p}")
    print(f"{name}: {took:.2f} s, {c} lines of C++ for {p} of Python: {cpp.stdout.strip()!r}")

if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("every program prints what its twin prints")
