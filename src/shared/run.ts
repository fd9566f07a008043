// The run domain: what the Batch jobs of an AWS Batch Runner run look like, and the rules for reading
// them. A run is a manager job tagged by Submit (run id, role, run URI), the worker array job the
// runtime submits (tagged with the manager's id), and their array children. The tag and variable
// names are defined once, by the runtime (src/runtime/tags.ts, src/runtime/settings.ts).
// No SDK, no vscode: the job shapes are structural, so SDK responses and test fakes both fit.
import { ENV } from '../runtime/settings';
import { ROLE_MANAGER, ROLE_WORKER, TAG_MANAGER_JOB_ID, TAG_ROLE, TAG_RUN_ID, TAG_RUN_URI } from '../runtime/tags';

export {
  ROLE_MANAGER,
  ROLE_WORKER,
  TAG_MANAGER_JOB_ID,
  TAG_ROLE,
  TAG_RUN_ID,
  TAG_RUN_URI,
  workerJobName,
} from '../runtime/tags';

/** The manager container's variable with the run URI, for jobs submitted without the tag. */
export const ENV_RUN_URI = ENV.runUri;

// ---- job states (kept apart from the SDK so views can use them without loading it at activation) ----

export const JOB_STATUSES = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const;
export type JobStatusName = (typeof JOB_STATUSES)[number];
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED']);
/** CancelJob only affects jobs that have not started; TerminateJob is for the rest. */
export const CANCELLABLE_STATUSES: ReadonlySet<string> = new Set(['SUBMITTED', 'PENDING', 'RUNNABLE']);
export const TERMINABLE_STATUSES: ReadonlySet<string> = new Set(['STARTING', 'RUNNING']);

export function isTerminal(status: string | undefined): boolean {
  return status !== undefined && TERMINAL_STATUSES.has(status);
}

/** The reason Cancel Run gives Batch; a manager job that ended with it was cancelled, not lost. */
export const CANCEL_REASON = 'Cancelled by the user from AWS Batch Runner';

/** Docker labels on every container and network of a local run (the Batch tags' counterparts). */
export const LOCAL_LABELS = {
  runId: 'org.batch-runner.run-id',
  role: 'org.batch-runner.role',
  workerIndex: 'org.batch-runner.worker-index',
  runDir: 'org.batch-runner.run-dir',
} as const;

// ---- a job's place in a run ----

/** What the rules below read of a job (a JobDetail or a JobSummary fits). */
export interface RunJob {
  jobId?: string;
  arrayProperties?: { size?: number; index?: number };
  tags?: Record<string, string>;
  container?: { environment?: { name?: string; value?: string }[] };
}

export type JobRole = 'manager' | 'worker' | 'arrayParent' | 'plain';

export interface RunInfo {
  runId: string | undefined;
  runUri: string | undefined;
  role: JobRole;
  managerJobId: string | undefined;
}

/** The index of an array child: its arrayProperties, else its id `<parent>:<i>` (all some responses say). */
export function childIndex(job: Pick<RunJob, 'jobId' | 'arrayProperties'>): number | undefined {
  if (job.arrayProperties?.index !== undefined) return job.arrayProperties.index;
  const match = /:(\d+)$/.exec(job.jobId ?? '');
  return match ? Number(match[1]) : undefined;
}

/** An array parent has a size and no index (moto reports the size only in DescribeJobs). */
export function isArrayParent(job: Pick<RunJob, 'jobId' | 'arrayProperties'>): boolean {
  return (job.arrayProperties?.size ?? 0) > 0 && childIndex(job) === undefined;
}

/** Array children carry no tags of their own; their parent does. */
export function isArrayChild(job: Pick<RunJob, 'jobId' | 'arrayProperties'>): boolean {
  return childIndex(job) !== undefined;
}

/**
 * The job's role in a run. A worker: tagged so, or tagged with its manager's id. A manager: it has a
 * run id or a run URI (tag, or the variable for jobs submitted by hand). Else an array job or plain.
 */
export function runInfo(job: RunJob): RunInfo {
  const tags = job.tags ?? {};
  const env = job.container?.environment?.find((pair) => pair.name === ENV_RUN_URI)?.value;
  const runUri = tags[TAG_RUN_URI] || env || undefined;
  const runId = tags[TAG_RUN_ID] || undefined;
  const managerJobId = tags[TAG_MANAGER_JOB_ID] || undefined;
  let role: JobRole = 'plain';
  if (tags[TAG_ROLE] === ROLE_WORKER || managerJobId) role = 'worker';
  else if (tags[TAG_ROLE] === ROLE_MANAGER || runId || runUri) role = 'manager';
  else if (isArrayParent(job)) role = 'arrayParent';
  return { runId, runUri, role, managerJobId };
}

/** Whether `worker` was submitted by the manager `managerJobId`. */
export function isWorkerOf(worker: RunJob, managerJobId: string): boolean {
  return worker.tags?.[TAG_MANAGER_JOB_ID] === managerJobId;
}
