// BatchJobsApi (./jobLookup.ts) over the AWS SDK: DescribeJobs in chunks of 100, one ListJobs page.
// Part of the SDK bundle: load it with `await import('../aws/api')`.
import { ListJobsCommand, type BatchClient, type KeyValuesPair } from '@aws-sdk/client-batch';
import { describeJobs } from './batchJobs';
import type { BatchJobsApi } from './jobLookup';

export function createBatchJobsApi(batch: Pick<BatchClient, 'send'>): BatchJobsApi {
  return {
    describeJobs: (jobIds, signal) => describeJobs(batch, jobIds, signal),
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
