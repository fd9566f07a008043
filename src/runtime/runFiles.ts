// The shapes of progress.json and summary.json, which the manager writes to the run store and the
// extension's Jobs and Runs views read. Types only. Fields are only ever added; a reader must
// accept files without the newer (optional) ones, written by older runtimes.
import type { LaunchStatus, WorkerUsage } from './launch/launcher';
import type { Counts, TaskFailure } from './manager/scheduler';
import type { Mode } from './protocol/messages';

export type RunState = 'running' | 'succeeded' | 'failed' | 'cancelled';

export type TaskCounts = Counts;

/**
 * A task that failed for good: `{ index, attempts, exitCode: number | null, reason, tail?: string[] }`.
 * `reason` is one line; `tail` holds the last lines (at most 20, at most 2 KB in all) of the last
 * attempt's output, stdout and stderr together, oldest first.
 */
export type { TaskFailure };

/**
 * Job time used so far, in seconds: `managerSeconds` since the manager started; `workerSeconds`
 * summed over the worker jobs from their start (RUNNING) to their end, or to now while they run (0
 * with `--launcher none`). In AWS Batch the workers' figure is refreshed at most every 30 s while
 * the run goes, and once more at the end. `vcpus`, `gpus` and `memoryMiB` are one job's resources
 * (the manager's job definition, which its workers share); absent outside AWS Batch.
 */
export interface RunUsage extends WorkerUsage {
  managerSeconds: number;
}

export interface WorkerCounts {
  min: number;
  max: number;
  connected: number;
  everConnected: number;
  /** What the launcher reports (Batch job states, local processes); absent with `--launcher none`. */
  launch?: LaunchStatus;
}

export interface ClusterProgress {
  state: 'waiting for workers' | 'starting' | 'running';
  workersWaiting: number;
  members: number;
  commandsStarted: number;
}

/**
 * progress.json: rewritten while the run goes (at most every BATCH_RUNNER_PROGRESS_SECONDS) and at
 * the end, where `state` is the run's final state and `exitCode` is set. A cancelled run (SIGTERM,
 * SIGINT) writes that final state twice: at once, and again once its workers are stopped.
 */
export interface RunProgress {
  /** 1 in the first write, one more in every later write (the final ones included). */
  seq: number;
  runId: string;
  name: string;
  mode: Mode;
  state: RunState;
  /** host:port the manager listens on. */
  manager: string;
  /** The manager's AWS_BATCH_JOB_ID, when it runs in AWS Batch. */
  managerJobId?: string;
  /** The worker array job's ID (or the single worker job's), once the manager submitted it. */
  workerJobId?: string;
  startedAt: string;
  updatedAt: string;
  /** Set in the final write. */
  exitCode?: number;
  workers: WorkerCounts;
  tasks?: TaskCounts;
  /** Task mode: the tasks that failed for good so far, by index (at most 100). */
  failures?: TaskFailure[];
  usage: RunUsage;
  cluster?: ClusterProgress;
}

/**
 * summary.json: written when the run ends. A cancelled run writes it twice: at once when the
 * manager is told to stop (SIGTERM gives a Batch container about 30 s), and again with the final
 * figures once its workers are stopped. An unexpected error in the manager writes a `failed` one.
 */
export interface RunSummary {
  runId: string;
  name: string;
  mode: Mode;
  status: Exclude<RunState, 'running'>;
  /** The manager's exit code (see exitCodes.ts). */
  exitCode: number;
  reason?: string;
  /** The manager's AWS_BATCH_JOB_ID, when it runs in AWS Batch. */
  managerJobId?: string;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  tasks?: TaskCounts;
  /** Tasks that failed for good, by index (at most 100), each with its last attempt's exit code, reason and output tail. */
  failures?: TaskFailure[];
  timing?: { firstTaskAt?: string; lastTaskAt?: string; firstTaskAtMs?: number; lastTaskAtMs?: number };
  cluster?: { workers: { label: string; address: string }[] };
  /** The launcher's facts too: `launcher`, and `workerJobId`, `workerJobName`, `workers` (Batch) or `pids` (local). */
  workers: { min: number; max: number; everConnected: number } & Record<string, unknown>;
  /** Job time used by the run (see RunUsage): the final figures. */
  usage: RunUsage;
  /** Connections dropped before they authenticated (strangers, wrong secrets, garbage). */
  droppedConnections: number;
}
