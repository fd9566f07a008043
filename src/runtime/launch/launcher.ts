// How a manager starts its workers and makes sure none outlives the run.
export interface LaunchStatus {
  total: number;
  /** Submitted but not yet running (waiting for capacity, pulling the image). */
  pending: number;
  running: number;
  /** Ended, successfully or not. */
  finished: number;
}

/** Job time the workers used (see RunUsage in ../runFiles.ts) and one job's resources. */
export interface WorkerUsage {
  /** Summed over the worker jobs: start to end, or to now while one runs. */
  workerSeconds: number;
  vcpus?: number;
  gpus?: number;
  memoryMiB?: number;
}

export interface Launcher {
  /** How often the manager polls status(). */
  readonly pollMs: number;
  launch(count: number, manager: { host: string; port: number }): Promise<void>;
  /** The IDs workers will report in their hello, one per launched worker. */
  ids(): string[];
  status(): Promise<LaunchStatus>;
  /** Stops these workers now (they never connected, or are not needed). */
  terminate(ids: string[], reason: string): Promise<void>;
  /**
   * End of the run: workers in `leaving` were told to exit. They, and every worker that started but
   * is not connected (it may still connect: the manager keeps listening and tells it to exit), get
   * `graceMs` to end on their own; workers that never started are stopped at once, and after the
   * grace period every one that is left.
   */
  stopAll(reason: string, leaving: Set<string>, graceMs: number): Promise<void>;
  /** Facts for summary.json (job IDs, PIDs). */
  describe(): Record<string, unknown>;
  /** The worker job's ID once submitted (AWS Batch); undefined for local processes. */
  workerJobId(): string | undefined;
  /** The workers' job time so far, counting running ones up to `now` (from the last status() or stopAll()). */
  usage(now?: number): WorkerUsage;
}

/** Environment variables of the manager that its workers get too (tunables such as timeouts). */
export function passThroughEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const own = new Set([
    'BATCH_RUNNER_RUN_URI',
    'BATCH_RUNNER_PORT',
    'BATCH_RUNNER_ADVERTISE_ADDRESS',
    'BATCH_RUNNER_BIND_ADDRESS',
  ]);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('BATCH_RUNNER_') && !own.has(name) && value !== undefined) out[name] = value;
  }
  return out;
}
