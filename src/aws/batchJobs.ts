// Job and job-definition calls, with the paging and batching limits of the Batch API.
import {
  BatchClient,
  CancelJobCommand,
  DeregisterJobDefinitionCommand,
  DescribeJobDefinitionsCommand,
  DescribeJobsCommand,
  JobDefinition,
  JobDetail,
  JobStatus,
  JobSummary,
  KeyValuesPair,
  ListJobsCommand,
  SubmitJobCommand,
  TerminateJobCommand,
} from '@aws-sdk/client-batch';

type Send = Pick<BatchClient, 'send'>;

/** ListJobs returns at most 1,000 summaries per page when a status is given. */
const LIST_PAGE = 1000;
/** DescribeJobs accepts at most 100 job ids per call. */
const DESCRIBE_BATCH = 100;

export type ListJobsScope =
  { jobQueue: string; jobStatus: JobStatus } | { jobQueue: string; filters: KeyValuesPair[] } | { arrayJobId: string };

/** Every page of a ListJobs scope. */
export async function listJobs(batch: Send, scope: ListJobsScope): Promise<JobSummary[]> {
  const jobs: JobSummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await batch.send(new ListJobsCommand({ ...scope, maxResults: LIST_PAGE, nextToken }));
    jobs.push(...(page.jobSummaryList ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return jobs;
}

/**
 * Details of the given jobs, 100 ids per call, one call after the other: a large array's children
 * must not become a burst of concurrent calls that Batch throttles.
 */
export async function describeJobs(batch: Send, jobIds: readonly string[], signal?: AbortSignal): Promise<JobDetail[]> {
  const unique = [...new Set(jobIds)];
  const found: JobDetail[] = [];
  for (let i = 0; i < unique.length; i += DESCRIBE_BATCH) {
    const page = await batch.send(new DescribeJobsCommand({ jobs: unique.slice(i, i + DESCRIBE_BATCH) }), {
      abortSignal: signal,
    });
    found.push(...(page.jobs ?? []));
  }
  return found;
}

export async function cancelJob(batch: Send, jobId: string, reason: string): Promise<void> {
  await batch.send(new CancelJobCommand({ jobId, reason }));
}

export async function terminateJob(batch: Send, jobId: string, reason: string): Promise<void> {
  await batch.send(new TerminateJobCommand({ jobId, reason }));
}

export async function listJobDefinitions(batch: Send, status: 'ACTIVE' | 'INACTIVE'): Promise<JobDefinition[]> {
  const definitions: JobDefinition[] = [];
  let nextToken: string | undefined;
  do {
    const page = await batch.send(new DescribeJobDefinitionsCommand({ status, maxResults: 100, nextToken }));
    definitions.push(...(page.jobDefinitions ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return definitions;
}

export async function deregisterJobDefinition(batch: Send, arn: string): Promise<void> {
  await batch.send(new DeregisterJobDefinitionCommand({ jobDefinition: arn }));
}

export async function submitJobFromDefinition(
  batch: Send,
  input: { jobName: string; jobQueue: string; jobDefinition: string; command?: string[] },
): Promise<{ jobId: string; jobName: string }> {
  const result = await batch.send(
    new SubmitJobCommand({
      jobName: input.jobName,
      jobQueue: input.jobQueue,
      jobDefinition: input.jobDefinition,
      containerOverrides: input.command ? { command: input.command } : undefined,
    }),
  );
  return { jobId: result.jobId ?? '', jobName: result.jobName ?? input.jobName };
}
