// The Jobs view's data source on the real Batch API. Errors carry the IAM action that failed.
// The SDK-backed modules load on first use, not at activation.
import type { JobStatus } from '@aws-sdk/client-batch';
import type { AwsClients } from '../aws/clients';
import type { JobsSource } from './jobsModel';
import { step } from './loadQueues';

export function batchJobsSource(clients: () => Promise<AwsClients>): JobsSource {
  const api = async () => ({ batch: (await clients()).batch, ...(await import('../aws/api')) });
  return {
    listQueues: () =>
      step('batch:DescribeJobQueues', async () => {
        const { batch } = await api();
        const { listJobQueues } = await import('../aws/api');
        return (await listJobQueues(batch)).map((queue) => ({
          name: queue.jobQueueName ?? '',
          arn: queue.jobQueueArn ?? '',
        }));
      }),
    listJobs: (queue, status) =>
      step('batch:ListJobs', async () => {
        const { batch, listJobs } = await api();
        return listJobs(batch, { jobQueue: queue, jobStatus: status as JobStatus });
      }),
    listArrayChildren: (arrayJobId) =>
      step('batch:ListJobs', async () => {
        const { batch, listJobs } = await api();
        return listJobs(batch, { arrayJobId });
      }),
    listJobsNamed: (queue, name) =>
      step('batch:ListJobs', async () => {
        const { batch, listJobs } = await api();
        return listJobs(batch, { jobQueue: queue, filters: [{ name: 'JOB_NAME', values: [name] }] });
      }),
    describeJobs: (ids) =>
      step('batch:DescribeJobs', async () => {
        const { batch, describeJobs } = await api();
        return describeJobs(batch, ids);
      }),
  };
}
