// What the manager needs from a mode (tasks or cluster): it hands over authenticated workers and
// waits for the outcome; the mode decides what the workers do.
import type { RunProgress, RunSummary } from '../runFiles';
import type { RunStore } from '../store/store';
import type { ConnectedWorker } from './listener';

export interface RunOutcome {
  status: 'succeeded' | 'failed' | 'cancelled';
  exitCode: number;
  reason?: string;
}

export interface Controller {
  addWorker(worker: ConnectedWorker): void;
  readonly outcome: Promise<RunOutcome>;
  /** Ends the run early (a signal, too few workers); the first outcome wins. */
  abort(outcome: RunOutcome): void;
  /** True while the run cannot finish without (more) workers. */
  needsWorkers(): boolean;
  /** The mode's fields of progress.json. */
  report(): Pick<RunProgress, 'tasks' | 'failures' | 'cluster'>;
  /** After the outcome: stop what the mode started, write its results, return its fields of summary.json. */
  finish(store: RunStore): Promise<Pick<RunSummary, 'tasks' | 'failures' | 'timing' | 'cluster'>>;
}
