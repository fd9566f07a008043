"""One task of a Monte Carlo estimate of pi.

The runner starts this once per line of inputs.jsonl, with
  TASK_INDEX       the task's number (0..23)
  TASK_INPUT       a file holding that line's JSON, e.g. {"seed": 1, "samples": 200000}
  TASK_OUTPUT_DIR  a folder whose files are kept with the run (tasks/<index>/ in the results)
and gathers each task's $TASK_OUTPUT_DIR/output.json into the run's results.jsonl.
Try it without the runner: TASK_INPUT=<(echo '{"seed": 1, "samples": 1000}') python3 simulate.py
"""

import json
import os
import random
import time


def main():
    index = int(os.environ.get("TASK_INDEX", "0"))
    input_file = os.environ.get("TASK_INPUT")
    if input_file:
        with open(input_file) as f:
            params = json.load(f)
    else:
        params = {"seed": index, "samples": 100000}
    seed = int(params["seed"])
    samples = int(params["samples"])

    started = time.monotonic()
    rng = random.Random(seed)  # the same seed gives the same estimate, locally and on Batch
    inside = 0
    for _ in range(samples):
        x = rng.random()
        y = rng.random()
        if x * x + y * y <= 1.0:
            inside += 1
    estimate = 4.0 * inside / samples

    result = {"seed": seed, "samples": samples, "inside": inside, "estimate": estimate}
    out_dir = os.environ.get("TASK_OUTPUT_DIR", ".")
    with open(os.path.join(out_dir, "output.json"), "w") as f:
        json.dump(result, f)
    print(
        "task %d: seed %d, %d samples, pi ~ %.5f (%.2f s)"
        % (index, seed, samples, estimate, time.monotonic() - started)
    )


if __name__ == "__main__":
    main()
