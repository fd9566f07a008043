// What the log followers and Download Results need from AWS Batch, as a plain interface (the SDK
// adapter is ./batchJobsApi.ts, in the lazily loaded SDK bundle), and the tags that tie a run's
// manager and worker jobs together. No vscode import, no SDK code.
import type { JobDetail, JobSummary } from '@aws-sdk/client-batch';
// The tags are the contract with the runtime and the Submit command.
import { ROLE_WORKER, TAG_MANAGER_JOB_ID, TAG_ROLE, TAG_RUN_ID, TAG_RUN_URI } from '../runtime/tags';

/** The manager container's variable with the run URI (src/runtime/settings.ts). */
export const ENV_RUN_URI = 'BATCH_RUNNER_RUN_URI';

export interface ListJobsRequest {
  jobQueue?: string;
  arrayJobId?: string;
  /** Epoch milliseconds. With a filter, ListJobs returns jobs in every status. */
  createdAfter?: number;
  nextToken?: string;
}

export interface BatchJobsApi {
  describeJobs(jobIds: readonly string[], signal?: AbortSignal): Promise<JobDetail[]>;
  listJobs(request: ListJobsRequest, signal?: AbortSignal): Promise<{ jobs: JobSummary[]; nextToken?: string }>;
}

export function isTerminal(status: string | undefined): boolean {
  return status === 'SUCCEEDED' || status === 'FAILED';
}

export type JobRole = 'manager' | 'worker' | 'arrayParent' | 'plain';

export interface RunInfo {
  runId: string | undefined;
  runUri: string | undefined;
  role: JobRole;
  managerJobId: string | undefined;
}

/** The index of an array child (`<parent>:<i>`), else undefined. */
export function childIndex(job: Pick<JobDetail, 'jobId' | 'arrayProperties'>): number | undefined {
  if (job.arrayProperties?.index !== undefined) return job.arrayProperties.index;
  const match = /:(\d+)$/.exec(job.jobId ?? '');
  return match ? Number(match[1]) : undefined;
}

export function isArrayParent(job: Pick<JobDetail, 'jobId' | 'arrayProperties'>): boolean {
  return (job.arrayProperties?.size ?? 0) > 0 && childIndex(job) === undefined;
}

export function runInfo(job: JobDetail): RunInfo {
  const tags = job.tags ?? {};
  const env = job.container?.environment?.find((pair) => pair.name === ENV_RUN_URI)?.value;
  const runUri = tags[TAG_RUN_URI] || env || undefined;
  const runId = tags[TAG_RUN_ID] || undefined;
  const managerJobId = tags[TAG_MANAGER_JOB_ID] || undefined;
  let role: JobRole = 'plain';
  if (tags[TAG_ROLE] === ROLE_WORKER || managerJobId) role = 'worker';
  else if (runId || runUri) role = 'manager';
  else if (isArrayParent(job)) role = 'arrayParent';
  return { runId, runUri, role, managerJobId };
}

/** The jobs created by a manager: worker jobs tagged with its id, found among its queue's jobs. */
export async function findWorkerJobs(
  api: BatchJobsApi,
  manager: JobDetail,
  checked: Set<string>,
  signal?: AbortSignal,
): Promise<JobDetail[]> {
  if (!manager.jobQueue || !manager.jobId) return [];
  const candidates: string[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await api.listJobs(
      { jobQueue: manager.jobQueue, createdAfter: (manager.createdAt ?? 0) - 60_000, nextToken },
      signal,
    );
    for (const summary of page.jobs) {
      const id = summary.jobId;
      // Array children carry no tags of their own; their parent does.
      if (!id || id === manager.jobId || id.includes(':') || checked.has(id)) continue;
      if ((summary.createdAt ?? Infinity) < (manager.createdAt ?? 0) - 60_000) continue;
      candidates.push(id);
    }
    nextToken = page.nextToken;
  } while (nextToken && ++pages < 20);
  if (!candidates.length) return [];
  const described = await api.describeJobs(candidates, signal);
  for (const id of candidates) checked.add(id);
  return described
    .filter((job) => job.tags?.[TAG_MANAGER_JOB_ID] === manager.jobId)
    .sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0));
}
