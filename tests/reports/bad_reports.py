"""The bad reports every reader of reports must answer with one line naming the file and the
problem (exit 2, nothing written): execbench-report's commands (cli_checks.py) and
scripts/plot.py (plot_checks.py) are run over the same table. Also the good but unusual
reports they must accept: aggregates only, an interrupted run.

write_bad_reports(DIR, DATA_DIR) writes the inputs into DIR and returns (path, problem) pairs,
`problem` a phrase the message must contain; write_unusual_reports likewise returns the paths of
reports that must be accepted."""

import json
import os

ROW = {"name": "w/loop/workers:1", "run_name": "w/loop/workers:1", "run_type": "iteration",
       "real_time": 1.0, "cpu_time": 1.0, "time_unit": "ms", "tasks_per_s": 100.0}


def _rows(*changes):
    """Reports of one good row, then a row changed by each of `changes` (None deletes a key)."""
    rows = [dict(ROW)]
    for change in changes:
        row = dict(ROW, name="w/asio/workers:1", run_name="w/asio/workers:1")
        for key, value in change.items():
            if value is None:
                row.pop(key, None)
            else:
                row[key] = value
        rows.append(row)
    return json.dumps({"context": {"num_cpus": 2}, "benchmarks": rows})


# (file name, content (str or bytes), problem the message names)
BAD_CONTENTS = [
    ("empty.json", "", "empty"),
    ("blank.json", " \n\t\n", "empty"),
    ("not_json.json", "Run on (2 X 2893 MHz CPU s)\nweb_request/loop/workers:1  410 ms\n",
     "not JSON"),
    ("binary.json", b"\x00\xff\xfe{\x01\x02", "not JSON"),
    ("top_array.json", "[]", "not an object"),
    ("top_string.json", '"benchmarks"', "not an object"),
    ("no_benchmarks.json", '{"context": {"num_cpus": 2}}', '"benchmarks" array'),
    ("benchmarks_object.json", '{"benchmarks": {"name": "w"}}', '"benchmarks" array'),
    ("no_rows.json", '{"benchmarks": []}', "no benchmark rows"),
    ("row_number.json", '{"benchmarks": [1]}', "benchmarks[0] is not an object"),
    ("row_no_name.json", _rows({"name": None}), 'benchmarks[1] has no "name"'),
    ("row_name_number.json", _rows({"name": 7}), 'benchmarks[1] has no "name"'),
    ("run_name_number.json", _rows({"run_name": 7}), '"run_name" is a number, not a string'),
    ("run_type_array.json", _rows({"run_type": []}), '"run_type" is an array, not a string'),
    ("error_string.json", _rows({"error_occurred": "yes"}),
     '"error_occurred" is a string, not a boolean'),
    ("time_unit_number.json", _rows({"time_unit": 3}), '"time_unit" is a number, not a string'),
    ("time_unit_unknown.json", _rows({"time_unit": "fortnight"}), 'unknown time_unit "fortnight"'),
    ("real_time_missing.json", _rows({"real_time": None}), '"real_time" is missing or not a number'),
    ("real_time_string.json", _rows({"real_time": "fast"}), '"real_time" is missing or not a number'),
    ("real_time_overflow.json", _rows({"real_time": 1e300, "time_unit": "s"}),
     '"real_time" is not finite in nanoseconds'),
    ("deep.json", '{"context": {"a": ' + "[" * 100000 + "]" * 100000 + '}, "benchmarks": ['
     + json.dumps(ROW) + "]}", "nested more than 64 levels deep"),
    ("context_array.json", json.dumps({"context": [], "benchmarks": [ROW]}),
     '"context" is an array, not an object'),
    ("all_errored.json",
     json.dumps({"benchmarks": [dict(ROW, error_occurred=True, error_message="check failed:\nx"),
                                dict(ROW, name="w/asio/workers:1", error_occurred=True)]}),
     'every benchmark row errored (2 rows; the first: "check failed: x")'),
]


def write_bad_reports(directory, data):
    """Writes the bad inputs into `directory`; returns [(path, problem)], the missing file and a
    directory included (and a file without read permission, unless running as root, who reads
    anything)."""
    cases = []
    for name, content, problem in BAD_CONTENTS:
        path = os.path.join(directory, name)
        with open(path, "wb") as f:
            f.write(content if isinstance(content, bytes) else content.encode())
        cases.append((path, problem))
    with open(os.path.join(data, "base.json")) as f:
        text = f.read()
    path = os.path.join(directory, "truncated.json")
    with open(path, "w") as f:
        f.write(text[: len(text) // 2])
    cases.append((path, "truncated"))
    cases.append((os.path.join(directory, "missing.json"), "no such file"))
    path = os.path.join(directory, "a_directory.json")
    os.makedirs(path, exist_ok=True)
    cases.append((path, "is a directory"))
    if os.geteuid() != 0:
        path = os.path.join(directory, "unreadable.json")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0)
        cases.append((path, "cannot open"))
    return cases


def write_unusual_reports(directory, data):
    """Writes reports that are unusual but good into `directory`: {what: path}. `aggregates_only`
    is base.json as --benchmark_report_aggregates_only writes it; `interrupted` and
    `interrupted_string` are report.json with the context's interrupted set to true and "true"
    (Google Benchmark writes custom context values as strings)."""
    paths = {}
    with open(os.path.join(data, "base.json")) as f:
        document = json.load(f)
    document["benchmarks"] = [r for r in document["benchmarks"] if r.get("run_type") == "aggregate"]
    paths["aggregates_only"] = os.path.join(directory, "aggregates_only.json")
    with open(paths["aggregates_only"], "w") as f:
        json.dump(document, f)
    for what, value in (("interrupted", True), ("interrupted_string", "true")):
        with open(os.path.join(data, "report.json")) as f:
            document = json.loads(f.read().replace("-NaN", "NaN"))
        document["context"]["interrupted"] = value
        paths[what] = os.path.join(directory, what + ".json")
        with open(paths[what], "w") as f:
            json.dump(document, f)
    return paths
