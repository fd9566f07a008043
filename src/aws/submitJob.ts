// The job queue check and the manager job's SubmitJob, with the tags that link the job to its run.
import { BatchClient, DescribeJobQueuesCommand, JobQueueDetail, SubmitJobCommand } from '@aws-sdk/client-batch';
import { ENV } from '../runtime/settings';
import { ROLE_MANAGER, TAG_ROLE, TAG_RUN_ID, TAG_RUN_URI } from '../runtime/tags';
import { SubmitError, awsStep } from '../submit/errors';

// The names the runtime and the Jobs view read: one definition, in src/runtime.
export { TAG_ROLE, TAG_RUN_ID, TAG_RUN_URI };
export const RUN_URI_ENV = ENV.runUri;

/** The queue, or a failure with a message naming the fix when it is missing, disabled or broken. */
export async function checkJobQueue(batch: BatchClient, queue: string, signal?: AbortSignal): Promise<JobQueueDetail> {
  const out = await awsStep('batch:DescribeJobQueues', signal, () =>
    batch.send(new DescribeJobQueuesCommand({ jobQueues: [queue] }), { abortSignal: signal }),
  );
  const found = out.jobQueues?.find((q) => q.jobQueueName === queue || q.jobQueueArn === queue);
  if (!found) {
    const all = await awsStep('batch:DescribeJobQueues', signal, () =>
      batch.send(new DescribeJobQueuesCommand({}), { abortSignal: signal }),
    );
    const names = (all.jobQueues ?? []).map((q) => q.jobQueueName).filter(Boolean);
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

export async function submitManagerJob(batch: BatchClient, job: ManagerJob, signal?: AbortSignal): Promise<string> {
  const out = await awsStep('batch:SubmitJob', signal, () =>
    batch.send(
      new SubmitJobCommand({
        jobName: job.jobName,
        jobQueue: job.queue,
        jobDefinition: job.definitionArn,
        containerOverrides: { environment: [{ name: RUN_URI_ENV, value: job.runUri }] },
        tags: { [TAG_RUN_ID]: job.runId, [TAG_ROLE]: ROLE_MANAGER, [TAG_RUN_URI]: job.runUri },
      }),
      { abortSignal: signal },
    ),
  );
  if (!out.jobId) throw new SubmitError('queue', 'AWS Batch accepted the job but returned no job ID.');
  return out.jobId;
}
