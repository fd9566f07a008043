// Finding the jobs of a log or a run on the Batch API: the job itself (or a "not found" the user can
// act on), the worker jobs a manager submitted, the manager of a worker, and the log streams of
// "the whole log" of a job. Show Logs, Open Full Log and Download Results all start here.
import type { JobDetail } from '@aws-sdk/client-batch';
import type { BatchApi } from '../aws/batchApi';
import { UserError } from '../shared/errors';
import { childIndex, isArrayChild, isArrayParent, isWorkerOf, runInfo } from '../shared/run';
import type { FullLogSource } from './fullLog';
import { logGroupOf, streamsOf } from './jobStreams';

/** Worker jobs are searched among the jobs their queue saw from a minute before the manager was created. */
const WORKER_SEARCH_SLACK_MS = 60_000;
/** Pages of ListJobs searched for a manager's workers (2,000 jobs created since). */
const WORKER_SEARCH_PAGES = 2;

export class JobNotFoundError extends UserError {
  override name = 'JobNotFoundError';
  constructor(readonly jobId: string) {
    super(
      `There is no job ${jobId} in this account and region (Batch forgets finished jobs after about 7 days).`,
      'notFound',
    );
  }
}

/** The job, described; a JobNotFoundError when Batch does not know it. */
export async function describeJob(api: BatchApi, jobId: string, signal?: AbortSignal): Promise<JobDetail> {
  const [job] = await api.describeJobs([jobId], signal);
  if (!job) throw new JobNotFoundError(jobId);
  return job;
}

/** The job that holds the run's tags: the job itself, or the manager of a worker job. */
export async function runRootOf(api: BatchApi, job: JobDetail): Promise<JobDetail> {
  const { runUri, managerJobId } = runInfo(job);
  if (runUri || !managerJobId) return job;
  const [manager] = await api.describeJobs([managerJobId]);
  return manager ?? job;
}

/**
 * The jobs created by a manager: worker jobs tagged with its id, found among its queue's recent jobs,
 * oldest first. Ids in `checked` are skipped, and the ids looked at are added to it.
 */
export async function findWorkerJobs(
  api: BatchApi,
  manager: JobDetail,
  checked: Set<string>,
  signal?: AbortSignal,
): Promise<JobDetail[]> {
  if (!manager.jobQueue || !manager.jobId) return [];
  const since = (manager.createdAt ?? 0) - WORKER_SEARCH_SLACK_MS;
  const summaries = await api.listJobs(
    { jobQueue: manager.jobQueue, createdAfter: since },
    { signal, maxPages: WORKER_SEARCH_PAGES },
  );
  const candidates = summaries
    .filter((job) => job.jobId && job.jobId !== manager.jobId && !isArrayChild(job) && !checked.has(job.jobId))
    .filter((job) => (job.createdAt ?? Infinity) >= since)
    .map((job) => job.jobId!);
  if (!candidates.length) return [];
  const described = await api.describeJobs(candidates, signal);
  for (const id of candidates) checked.add(id);
  return described
    .filter((job) => isWorkerOf(job, manager.jobId!))
    .sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0));
}

/** The streams of "the whole log" of a job: its own attempts', or an array job's children's. */
export async function fullLogSources(api: BatchApi, job: JobDetail): Promise<FullLogSource[]> {
  if (!isArrayParent(job)) return ownSources(job);
  const size = job.arrayProperties?.size ?? 0;
  const children = await api.describeJobs(Array.from({ length: size }, (_, i) => `${job.jobId}:${i}`));
  return children.flatMap((child) => ownSources(child, `child ${childIndex(child)}`));
}

function ownSources(job: JobDetail, label?: string): FullLogSource[] {
  const group = logGroupOf(job);
  return group ? streamsOf(job).map((logStreamName) => ({ label, logGroupName: group, logStreamName })) : [];
}
