// The shapes of progress.json and summary.json, which the manager writes to the run store and the
// extension's Jobs view reads. Types only.
import type { LaunchStatus } from './launch/launcher';
import type { Counts, TaskFailure } from './manager/scheduler';
import type { Mode } from './protocol/messages';

export type RunState = 'running' | 'succeeded' | 'failed' | 'cancelled';

export type TaskCounts = Counts;

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

/** progress.json: rewritten while the run goes (at most every BATCH_RUNNER_PROGRESS_SECONDS) and once at the end. */
export interface RunProgress {
  runId: string;
  name: string;
  mode: Mode;
  state: RunState;
  /** host:port the manager listens on. */
  manager: string;
  startedAt: string;
  updatedAt: string;
  /** Set in the final write. */
  exitCode?: number;
  workers: WorkerCounts;
  tasks?: TaskCounts;
  cluster?: ClusterProgress;
}

/** summary.json: written once when the run ends. */
export interface RunSummary {
  runId: string;
  name: string;
  mode: Mode;
  status: Exclude<RunState, 'running'>;
  /** The manager's exit code (see exitCodes.ts). */
  exitCode: number;
  reason?: string;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  tasks?: TaskCounts;
  /** Tasks that failed for good, by index (at most 100), each with its last reason. */
  failures?: TaskFailure[];
  timing?: { firstTaskAt?: string; lastTaskAt?: string; firstTaskAtMs?: number; lastTaskAtMs?: number };
  cluster?: { workers: { label: string; address: string }[] };
  workers: { min: number; max: number; everConnected: number } & Record<string, unknown>;
  /** Connections dropped before they authenticated (strangers, wrong secrets, garbage). */
  droppedConnections: number;
}
