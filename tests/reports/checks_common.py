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
