// BatchJobsApi (./jobLookup.ts) over the AWS SDK: DescribeJobs in chunks of 100, one ListJobs page.
// Part of the SDK bundle: load it with `await import('../aws/api')`.
import {
  DescribeJobsCommand,
  ListJobsCommand,
  type BatchClient,
  type JobDetail,
  type KeyValuesPair,
} from '@aws-sdk/client-batch';
import type { BatchJobsApi } from './jobLookup';

/** DescribeJobs accepts at most 100 job ids per call. */
const DESCRIBE_CHUNK = 100;

export function createBatchJobsApi(batch: Pick<BatchClient, 'send'>): BatchJobsApi {
  return {
    async describeJobs(jobIds, signal) {
      const unique = [...new Set(jobIds)];
      const found: JobDetail[] = [];
      for (let i = 0; i < unique.length; i += DESCRIBE_CHUNK) {
        const out = await batch.send(new DescribeJobsCommand({ jobs: unique.slice(i, i + DESCRIBE_CHUNK) }), {
          abortSignal: signal,
        });
        found.push(...(out.jobs ?? []));
      }
      return found;
    },
    async listJobs(request, signal) {
      const filters: KeyValuesPair[] | undefined =
        request.createdAfter !== undefined && !request.arrayJobId
          ? [{ name: 'AFTER_CREATED_AT', values: [String(Math.floor(request.createdAfter))] }]
          : undefined;
      const out = await batch.send(
        new ListJobsCommand({
          jobQueue: request.arrayJobId ? undefined : request.jobQueue,
          arrayJobId: request.arrayJobId,
          filters,
          nextToken: request.nextToken,
          maxResults: 100,
        }),
        { abortSignal: signal },
      );
      return { jobs: out.jobSummaryList ?? [], nextToken: out.nextToken };
    },
  };
}
