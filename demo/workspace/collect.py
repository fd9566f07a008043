"""Combines the tasks' estimates of a run into one: reads a results.jsonl and prints a table.

    python3 collect.py                              # the newest results/*/results.jsonl
    python3 collect.py results/<run id>/results.jsonl
    python3 collect.py .batch-runner/runs/<run id>/results.jsonl   # a local run, as it is

Each line of results.jsonl is {"index": <task>, "output": <that task's output.json>}, in task order.
"""

import glob
import json
import math
import os
import sys


def newest_results():
    found = glob.glob(os.path.join("results", "*", "results.jsonl"))
    found += glob.glob(os.path.join(".batch-runner", "runs", "*", "results.jsonl"))
    if not found:
        sys.exit("no results.jsonl: run the tasks, then Download Results (or name the file)")
    return max(found, key=os.path.getmtime)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else newest_results()
    with open(path) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    inside = samples = 0
    print("%s: %d tasks" % (path, len(rows)))
    print("  task   seed    samples   estimate")
    for row in rows:
        out = row["output"]
        inside += out["inside"]
        samples += out["samples"]
        print("  %4d %6d %10d   %.5f" % (row["index"], out["seed"], out["samples"], out["estimate"]))
    if samples:
        estimate = 4.0 * inside / samples
        print("pi ~ %.6f from %d samples (error %.6f)" % (estimate, samples, abs(estimate - math.pi)))


if __name__ == "__main__":
    main()
