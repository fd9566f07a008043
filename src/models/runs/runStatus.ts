// What the Runs view says about one run, derived from what is known of it: its files (run.json,
// progress.json, summary.json) and its manager job. Pure arithmetic on recorded state, so every
// transition (running → succeeded, failed, lost, cancelled) is tested from recorded inputs.
import type { Parsed, ProgressView, SpecView, SummaryView, TaskCountsView, UsageView, FailedTask } from './runFiles';
import { runIdName, runIdTime } from './runFiles';
import { CANCEL_REASON } from '../../shared/run';

export type RunState = 'starting' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'lost' | 'unknown';

export const ACTIVE_STATES: ReadonlySet<RunState> = new Set(['starting', 'running']);

/** What DescribeJobs said of the manager job. */
export interface ManagerJobFacts {
  jobId: string;
  jobName: string;
  queue: string;
  status: string;
  statusReason: string | undefined;
  exitCode: number | undefined;
  startedAt: number | undefined;
  stoppedAt: number | undefined;
  vcpus: number | undefined;
  gpus: number | undefined;
}

/** Everything known about a run; the model keeps one per run folder. */
export interface RunFacts {
  runId: string;
  /** s3://bucket/prefix/<runId>/ */
  runUri: string;
  spec?: Parsed<SpecView>;
  progress?: Parsed<ProgressView>;
  /** progress.json was looked for and is not there (yet). */
  progressMissing?: boolean;
  summary?: Parsed<SummaryView>;
  managerJob?: ManagerJobFacts;
  /** DescribeJobs was asked for the manager's id and does not know it (expired or deleted). */
  managerJobGone?: boolean;
  /** Started from this window a moment ago (Submit, Run Locally): starting until its files say more. */
  justStarted?: boolean;
  /** A local run whose manager container is gone (it died, or Docker restarted) without a summary. */
  localGone?: boolean;
  /** The files could not be read at all (permissions, network): the reason. */
  readProblem?: string;
}

export interface RunStatus {
  runId: string;
  runUri: string;
  name: string;
  state: RunState;
  /** Why a run failed, is lost or unknown, in a sentence. */
  reason: string | undefined;
  tasks: TaskCountsView | undefined;
  workers: { requested: number | undefined; connected: number | undefined };
  startedAt: number | undefined;
  finishedAt: number | undefined;
  elapsedMs: number | undefined;
  /** While running with some tasks done: time left at the pace so far. */
  etaMs: number | undefined;
  vcpuHours: number | undefined;
  gpuHours: number | undefined;
  failures: FailedTask[];
  managerJobId: string | undefined;
  workerJobId: string | undefined;
  parentRunId: string | undefined;
  /** When the folder's id says the run was created (sorting, before anything is read). */
  createdAt: number | undefined;
  mode: 'tasks' | 'cluster' | undefined;
}

/** A run folder without a summary this long after its id's time has stopped for good. */
export const GIVE_UP_AFTER_MS = 14 * 24 * 3600_000;
/** A run folder with run.json but no progress and no manager job, this long after creation, never started. */
export const NEVER_STARTED_AFTER_MS = 3600_000;

const ok = <T>(parsed: Parsed<T> | undefined): T | undefined => (parsed?.ok ? parsed.value : undefined);
const bad = (parsed: Parsed<unknown> | undefined): string | undefined =>
  parsed && !parsed.ok ? parsed.reason : undefined;

export function runStatus(facts: RunFacts, now: number): RunStatus {
  const spec = ok(facts.spec);
  const progress = ok(facts.progress);
  const summary = ok(facts.summary);
  const job = facts.managerJob;
  const createdAt = runIdTime(facts.runId);
  const { state, reason } = stateOf(facts, now, createdAt);

  const startedAt = summary?.startedAt ?? progress?.startedAt ?? job?.startedAt;
  const finishedAt = ACTIVE_STATES.has(state)
    ? undefined
    : (summary?.finishedAt ??
      job?.stoppedAt ??
      (progress && progress.state !== 'running' ? progress.updatedAt : undefined) ??
      (state === 'lost' ? progress?.updatedAt : undefined));
  const elapsedMs = startedAt === undefined ? undefined : Math.max(0, (finishedAt ?? now) - startedAt);
  let tasks = summary?.tasks ?? progress?.tasks;
  if (!tasks && spec?.taskCount !== undefined)
    tasks = { total: spec.taskCount, queued: spec.taskCount, running: 0, succeeded: 0, failed: 0, retried: 0 };
  const hours = usageHours(summary?.usage ?? progress?.usage, {
    running: state === 'running' && progress !== undefined,
    since: progress?.updatedAt,
    now,
    runningWorkers: progress?.workers?.running ?? progress?.workers?.connected ?? 0,
    vcpus: job?.vcpus,
    gpus: job?.gpus,
  });
  return {
    runId: facts.runId,
    runUri: facts.runUri,
    name: spec?.name ?? runIdName(facts.runId),
    state,
    reason,
    tasks,
    workers: {
      requested: progress?.workers?.requested ?? summary?.workersRequested ?? spec?.workersRequested,
      connected: ACTIVE_STATES.has(state) ? progress?.workers?.connected : undefined,
    },
    startedAt,
    finishedAt,
    elapsedMs,
    etaMs: state === 'running' && tasks && progress ? eta(tasks, progress, now) : undefined,
    vcpuHours: hours?.vcpu,
    gpuHours: hours?.gpu,
    failures: summary?.failures.length ? summary.failures : (progress?.failures ?? []),
    managerJobId: job?.jobId ?? progress?.managerJobId ?? summary?.managerJobId,
    workerJobId: progress?.workerJobId ?? summary?.workerJobId,
    parentRunId: spec?.parentRunId,
    createdAt: createdAt ?? startedAt,
    mode: spec?.mode ?? summary?.mode,
  };
}

function stateOf(facts: RunFacts, now: number, createdAt: number | undefined): { state: RunState; reason?: string } {
  const summary = ok(facts.summary);
  const progress = ok(facts.progress);
  const job = facts.managerJob;
  if (summary) return { state: summary.status, reason: summary.status === 'succeeded' ? undefined : summary.reason };
  const jobEnded = job && (job.status === 'SUCCEEDED' || job.status === 'FAILED');
  if (jobEnded) {
    if (job.statusReason === CANCEL_REASON) return { state: 'cancelled', reason: 'cancelled from AWS Batch Runner' };
    const exit = job.exitCode !== undefined ? ` with exit code ${job.exitCode}` : '';
    const why = job.statusReason ? ` (${job.statusReason})` : '';
    return { state: 'lost', reason: `the manager job ended ${job.status}${exit}${why} without writing summary.json` };
  }
  if (facts.localGone)
    return { state: 'lost', reason: 'the local run’s manager container is gone and no summary.json was written' };
  if (bad(facts.summary)) return { state: 'unknown', reason: bad(facts.summary) };
  if (facts.readProblem) return { state: 'unknown', reason: facts.readProblem };
  if (bad(facts.progress)) return { state: 'unknown', reason: bad(facts.progress) };
  if (facts.managerJobGone && !job)
    return { state: 'lost', reason: 'the manager job no longer exists in AWS Batch and no summary.json was written' };
  if (progress && progress.state !== 'running') {
    // The final progress.json landed but summary.json did not: the state is known, the details are not.
    return { state: progress.state, reason: 'summary.json is missing; the state is from progress.json' };
  }
  const age = createdAt === undefined ? undefined : now - createdAt;
  if (age !== undefined && age > GIVE_UP_AFTER_MS && !job)
    return { state: 'lost', reason: 'no summary.json two weeks after the run was created' };
  if (job && job.status !== 'RUNNING') return { state: 'starting', reason: undefined };
  if (progress) return { state: 'running' };
  if (job) return { state: 'running', reason: undefined };
  if (bad(facts.spec)) return { state: 'unknown', reason: bad(facts.spec) };
  if (!facts.spec && facts.justStarted) return { state: 'starting' };
  if (!facts.spec) return { state: 'unknown', reason: 'the folder has no run.json' };
  if (facts.progressMissing && age !== undefined && age > NEVER_STARTED_AFTER_MS)
    return { state: 'unknown', reason: 'the run never started: no progress.json and no manager job was found' };
  return { state: 'starting' };
}

/**
 * Time left at the pace so far: the time per finished task since the run started, times the tasks
 * left, less what has passed since progress.json was written.
 */
export function eta(
  tasks: TaskCountsView,
  progress: Pick<ProgressView, 'startedAt' | 'updatedAt'>,
  now: number,
): number | undefined {
  const done = tasks.succeeded + tasks.failed;
  const left = tasks.total - done;
  if (done === 0 || left <= 0 || progress.startedAt === undefined || progress.updatedAt === undefined) return undefined;
  const perTask = (progress.updatedAt - progress.startedAt) / done;
  return Math.max(0, perTask * left - Math.max(0, now - progress.updatedAt));
}

export interface UsageContext {
  /** The run is still going: extrapolate from the last progress.json to now. */
  running: boolean;
  since: number | undefined;
  now: number;
  runningWorkers: number;
  /** From the manager job, when the files do not say. */
  vcpus: number | undefined;
  gpus: number | undefined;
}

/**
 * vCPU- and GPU-hours: job seconds (manager plus workers, the runtime counts them from the jobs'
 * start and stop times) times the resources of one job (all jobs of a run share the definition).
 */
export function usageHours(
  usage: UsageView | undefined,
  context: UsageContext,
): { vcpu: number | undefined; gpu: number | undefined } | undefined {
  if (!usage) return undefined;
  let seconds = usage.managerSeconds + usage.workerSeconds;
  if (context.running && context.since !== undefined) {
    seconds += (Math.max(0, context.now - context.since) / 1000) * (1 + context.runningWorkers);
  }
  const vcpus = usage.vcpus ?? context.vcpus;
  const gpus = usage.gpus ?? context.gpus;
  return {
    vcpu: vcpus === undefined ? undefined : (seconds * vcpus) / 3600,
    gpu: gpus === undefined ? undefined : (seconds * gpus) / 3600,
  };
}
