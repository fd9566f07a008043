// Process exit codes of `node runtime.js`; `--help` prints the same table.
export const EXIT = {
  ok: 0,
  /** Task mode: at least one task failed after its retries. */
  runFailed: 1,
  usage: 2,
  /** No usable workers: launch failed, too few connected within the launch timeout, or all were lost. */
  workers: 3,
  /** Worker: no contact with the manager for the manager timeout (or the manager could not be authenticated). */
  managerLost: 4,
  /** An unexpected internal error. */
  internal: 5,
  interrupted: 130,
  terminated: 143,
} as const;

export const EXIT_CODE_HELP = `Exit codes:
  0    the run succeeded (every task succeeded; cluster mode: the manager command exited 0);
       worker: told to shut down by its manager
  1    task mode: at least one task failed after its retries (reasons in summary.json)
  N    cluster mode: the manager command's own exit code (128+signal if it was killed)
  2    usage error, invalid run.json, or the run store cannot be read
  3    no usable workers: they could not be launched, fewer than the minimum connected within the
       launch timeout, or every worker was lost while work remained
  4    worker: could not reach or authenticate its manager for the manager timeout
  5    internal error
  130  interrupted (SIGINT); 143: terminated (SIGTERM). The manager stops its workers first.`;

/** A problem with how the runtime was started (arguments, run.json, the store): exit code 2. */
export class UsageError extends Error {}
