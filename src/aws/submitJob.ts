// The job queue check and the manager job's SubmitJob, with the tags that link the job to its run.
import type { JobQueueDetail } from '@aws-sdk/client-batch';
import { SubmitError, awsStep } from '../shared/errors';
import { ENV_RUN_URI, ROLE_MANAGER, TAG_ROLE, TAG_RUN_ID, TAG_RUN_URI } from '../shared/run';
import type { BatchApi } from './batchApi';

/** The queue, or a failure with a message naming the fix when it is missing, disabled or broken. */
export async function checkJobQueue(batch: BatchApi, queue: string, signal?: AbortSignal): Promise<JobQueueDetail> {
  const named = await awsStep('batch:DescribeJobQueues', signal, () => batch.describeJobQueues([queue], signal));
  const found = named.find((q) => q.jobQueueName === queue || q.jobQueueArn === queue);
  if (!found) {
    const all = await awsStep('batch:DescribeJobQueues', signal, () => batch.describeJobQueues(undefined, signal));
    const names = all.map((q) => q.jobQueueName).filter(Boolean);
    throw new SubmitError(
      'queue',
      `The job queue "${queue}" (aws-batch.json "jobQueue") does not exist in this account and region. ` +
        (names.length
          ? `Set "jobQueue" to one of: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', ...' : ''}.`
          : 'There are no job queues here; create one in the AWS Batch console, or check the region.'),
    );
  }
  if (found.state !== 'ENABLED') {
    throw new SubmitError(
      'queue',
      `The job queue "${queue}" is ${found.state}. Enable it in the AWS Batch console, or set "jobQueue" to another queue.`,
    );
  }
  if (found.status === 'INVALID') {
    throw new SubmitError(
      'queue',
      `The job queue "${queue}" is INVALID (${found.statusReason ?? 'no reason given'}). Fix its compute environments, or use another queue.`,
    );
  }
  return found;
}

export interface ManagerJob {
  jobName: string;
  queue: string;
  definitionArn: string;
  runId: string;
  runUri: string;
}

export async function submitManagerJob(
  batch: Pick<BatchApi, 'submitJob'>,
  job: ManagerJob,
  signal?: AbortSignal,
): Promise<string> {
  const out = await awsStep('batch:SubmitJob', signal, () =>
    batch.submitJob(
      {
        jobName: job.jobName,
        jobQueue: job.queue,
        jobDefinition: job.definitionArn,
        containerOverrides: { environment: [{ name: ENV_RUN_URI, value: job.runUri }] },
        tags: { [TAG_RUN_ID]: job.runId, [TAG_ROLE]: ROLE_MANAGER, [TAG_RUN_URI]: job.runUri },
      },
      signal,
    ),
  );
  if (!out.jobId) throw new SubmitError('queue', 'AWS Batch accepted the job but returned no job ID.');
  return out.jobId;
}
