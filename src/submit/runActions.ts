// What the run actions do to AWS: Cancel Run (the manager and every worker job of the run ended, the
// summary says cancelled), Re-run Failed Tasks (a new run of the failed tasks on the same queue and
// job definition, linked to its parent) and Delete Run Data (the run's folder). No vscode import.
import type { BatchApi } from '../aws/batchApi';
import { submitManagerJob } from '../aws/submitJob';
import { newRunId } from '../config/runSpec';
import type { RunFilesApi } from '../results/runFilesApi';
import { parseRunUri } from '../results/runUris';
import type { RunSpec } from '../runtime/runSpec';
import type { RunSummary } from '../runtime/runFiles';
import type { Clock } from '../shared/clock';
import { systemClock } from '../shared/clock';
import { SubmitError, awsCall } from '../shared/errors';
import { CANCEL_REASON, CANCELLABLE_STATUSES, isTerminal, isWorkerOf, workerJobName } from '../shared/run';
import type { SubmittedRun } from './types';

export type RunActionsBatch = Pick<BatchApi, 'describeJobs' | 'listJobs' | 'cancelJob' | 'terminateJob' | 'submitJob'>;

export interface RunJobs {
  runUri: string;
  runId: string;
  name: string;
  managerJobId: string | undefined;
  workerJobId: string | undefined;
}

export interface CancelResult {
  /** Jobs told to stop. */
  stopped: number;
  /** Jobs of the run still not SUCCEEDED or FAILED when the wait ended (empty: nothing keeps running). */
  stillAlive: string[];
  /** The manager never ran, so the extension wrote summary.json itself. */
  wroteSummary: boolean;
}

/** How long Cancel Run waits for the jobs to end before it reports what is left. */
const CANCEL_WAIT_MS = 120_000;
const CANCEL_POLL_MS = 2000;

/**
 * Ends every job of the run: the manager first (on SIGTERM it stops its workers and writes a
 * cancelled summary), then the worker array job and each of its children that is still alive
 * (stand-ins do not cascade a parent's termination). Waits until none is alive. If the manager never
 * started, nobody else will write summary.json, so this writes it.
 */
export async function cancelRun(
  batch: RunActionsBatch,
  files: RunFilesApi,
  run: RunJobs,
  options: { clock?: Clock; waitMs?: number; progress?: (message: string) => void } = {},
): Promise<CancelResult> {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const stop = async (jobId: string, status: string | undefined): Promise<boolean> => {
    if (isTerminal(status)) return false;
    if (status !== undefined && CANCELLABLE_STATUSES.has(status)) await batch.cancelJob(jobId, CANCEL_REASON);
    // TerminateJob also ends jobs that have not started; CancelJob alone leaves a RUNNABLE array parent's children.
    await batch.terminateJob(jobId, CANCEL_REASON);
    return true;
  };
  const managerJobs = run.managerJobId ? await batch.describeJobs([run.managerJobId]) : [];
  const manager = managerJobs[0];
  // progress.json names the worker job once the manager submitted it; a cancel right after that,
  // or a run of an older runtime, finds it by its name and the manager-id tag instead.
  if (!run.workerJobId && manager?.jobQueue && manager.jobName) {
    const named = await batch.listJobs({ jobQueue: manager.jobQueue, jobName: workerJobName(manager.jobName) });
    const described = named.length ? await batch.describeJobs(named.map((job) => job.jobId!)) : [];
    run = { ...run, workerJobId: described.find((job) => isWorkerOf(job, manager.jobId!))?.jobId };
  }
  const before = run.workerJobId ? [manager, ...(await batch.describeJobs([run.workerJobId]))] : [manager];
  const managerRan = Boolean(manager?.startedAt) || manager?.status === 'RUNNING';
  let stopped = 0;
  options.progress?.('Stopping the manager job');
  if (manager?.jobId && (await stop(manager.jobId, manager.status))) stopped++;

  const alive = async (): Promise<string[]> => {
    const ids = [run.managerJobId, run.workerJobId].filter((id): id is string => Boolean(id));
    const jobs = ids.length ? await batch.describeJobs(ids) : [];
    const out = jobs.filter((job) => !isTerminal(job.status) && job.jobId !== run.workerJobId).map((j) => j.jobId!);
    const workers = jobs.find((job) => job.jobId === run.workerJobId);
    if (workers && (workers.arrayProperties?.size ?? 0) > 1) {
      const children = await batch.listJobs({ arrayJobId: workers.jobId! });
      out.push(...children.filter((child) => !isTerminal(child.status)).map((child) => child.jobId!));
    } else if (workers && !isTerminal(workers.status)) out.push(workers.jobId!);
    return out;
  };

  options.progress?.('Stopping the worker jobs');
  const workers = before.find((job) => job?.jobId === run.workerJobId);
  if (workers?.jobId && (await stop(workers.jobId, workers.status))) stopped++;
  let left = await alive();
  for (const jobId of left) {
    if (jobId === run.managerJobId) continue;
    await batch.terminateJob(jobId, CANCEL_REASON);
    stopped++;
  }
  const waitMs = options.waitMs ?? CANCEL_WAIT_MS;
  while (left.length > 0 && clock.now() - started < waitMs) {
    options.progress?.(`Waiting for ${left.length} job${left.length === 1 ? '' : 's'} to end`);
    await clock.sleep(CANCEL_POLL_MS);
    left = await alive();
  }

  let wroteSummary = false;
  const existing = await files.read(`${run.runUri}summary.json`);
  if (existing.kind === 'missing' && !managerRan) {
    const now = new Date(clock.now()).toISOString();
    const summary: Partial<RunSummary> & { cancelledBy: string } = {
      runId: run.runId,
      name: run.name,
      status: 'cancelled',
      exitCode: 143,
      reason: 'cancelled before the manager started',
      startedAt: now,
      finishedAt: now,
      durationSeconds: 0,
      cancelledBy: 'AWS Batch Runner (the manager never ran)',
    };
    await files.write(`${run.runUri}summary.json`, `${JSON.stringify(summary, null, 2)}\n`);
    wroteSummary = true;
  }
  return { stopped, stillAlive: left, wroteSummary };
}

export interface RerunInput {
  parent: { runUri: string; runId: string; spec: RunSpec; managerJobId: string };
  /** Task indexes of the parent to run again. */
  indexes: number[];
  now?: Date;
}

/**
 * A new run of the parent's failed tasks: the same spec with `tasks.indexes` (the runtime runs only
 * those, with their original TASK_INDEX) and `parentRunId`, in a sibling folder, on the parent
 * manager's queue and job definition — no build, no new image.
 */
export async function rerunFailedTasks(
  batch: RunActionsBatch,
  files: RunFilesApi,
  input: RerunInput,
): Promise<SubmittedRun> {
  const { parent, indexes } = input;
  if (!parent.spec.tasks)
    throw new SubmitError('config', 'Only task runs can re-run failed tasks; this run is a cluster run.');
  if (indexes.length === 0) throw new SubmitError('config', `Run ${parent.runId} has no failed tasks to run again.`);
  const [manager] = await batch.describeJobs([parent.managerJobId]);
  if (!manager?.jobDefinition || !manager.jobQueue) {
    throw new SubmitError(
      'queue',
      `AWS Batch no longer knows the manager job of ${parent.runId} (jobs are kept for about a week), so its queue and job definition are unknown. Submit the run again from aws-batch.json instead.`,
    );
  }
  const runId = newRunId(parent.spec.name, input.now);
  // A sibling of the parent's folder.
  const runUri = parent.runUri.replace(/[^/]+\/$/, `${runId}/`);
  const spec: RunSpec = {
    ...parent.spec,
    runId,
    parentRunId: parent.runId,
    tasks: { ...parent.spec.tasks, indexes: [...new Set(indexes)].sort((a, b) => a - b) },
  };
  await awsCall('s3:PutObject', undefined, () =>
    files.write(`${runUri}run.json`, `${JSON.stringify(spec, null, 2)}\n`),
  );
  const jobId = await submitManagerJob(batch, {
    jobName: runId,
    queue: manager.jobQueue,
    definitionArn: manager.jobDefinition,
    runId,
    runUri,
  });
  return {
    runId,
    jobId,
    jobName: runId,
    queue: manager.jobQueue,
    runUri,
    jobDefinitionArn: manager.jobDefinition,
    image: manager.container?.image ?? '',
  };
}

/** Delete Run Data: every object of the run's folder (only for ended runs; the caller checks). */
export async function deleteRunData(files: RunFilesApi, runUri: string): Promise<number> {
  const parsed = parseRunUri(runUri);
  if (parsed.scheme === 's3' && !parsed.key)
    throw new SubmitError('config', `${runUri} is a whole bucket, not a run folder.`);
  return files.deletePrefix(runUri);
}
