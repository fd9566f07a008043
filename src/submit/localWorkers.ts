// Run Locally's choices and the worker count they give: pure and small (no Docker, no runtime layer),
// so the Run Locally command offers the same default the run will use.
import type { RunConfig } from '../config/runConfig';
import { UserError } from '../shared/errors';

export interface LocalRunChoices {
  /** Worker containers; default min(workers of aws-batch.json, cores), never more than the tasks. */
  workers?: number;
  /** Smoke run: only the first K tasks. */
  smoke?: number;
  /** Re-run Failed Tasks of a local run: only these task indexes, linked to the parent run. */
  rerun?: { indexes: number[]; parentRunId: string };
}

/** The number of tasks of a task-mode configuration (count, or the inputs given). */
export function taskCount(config: RunConfig, inputs?: unknown[]): number {
  return inputs?.length ?? config.tasks?.inputs?.length ?? config.tasks?.count ?? 0;
}

function wholeNumber(value: number | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) throw new UserError(`${what} must be a whole number of at least 1.`);
  return value;
}

/** The tasks a smoke run of K runs (indexes 0..K-1, at most every task), or undefined for a full run. */
export function smokeIndexes(config: RunConfig, inputs: unknown[] | undefined, smoke?: number): number[] | undefined {
  const k = wholeNumber(smoke, 'The number of tasks of a smoke run');
  if (k === undefined) return undefined;
  if (!config.tasks) {
    throw new UserError(
      'A smoke run (only the first K tasks) needs "tasks" in aws-batch.json; this run is in cluster mode.',
    );
  }
  return Array.from({ length: Math.min(k, taskCount(config, inputs)) }, (_, i) => i);
}

/**
 * Worker containers of a local run: the choice, else min(aws-batch.json's workers (their max), cores);
 * in task mode never more than there are tasks to run. Cluster mode needs at least its minWorkers.
 */
export function localWorkerCount(
  config: RunConfig,
  inputs: unknown[] | undefined,
  choices: LocalRunChoices,
  cores: number,
): number {
  const configured = typeof config.workers === 'number' ? config.workers : config.workers.max;
  const chosen = wholeNumber(choices.workers, 'The number of local workers');
  let workers = chosen ?? Math.max(1, Math.min(configured, cores));
  if (config.tasks) {
    const tasks =
      choices.rerun?.indexes.length ?? smokeIndexes(config, inputs, choices.smoke)?.length ?? taskCount(config, inputs);
    workers = Math.max(1, Math.min(workers, tasks));
  } else if (config.cluster?.minWorkers !== undefined && workers < config.cluster.minWorkers) {
    if (chosen !== undefined) {
      throw new UserError(
        `This cluster run needs at least ${config.cluster.minWorkers} workers ("cluster.minWorkers"); choose at least that many.`,
      );
    }
    workers = config.cluster.minWorkers;
  }
  return workers;
}
