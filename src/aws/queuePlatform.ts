// Whether a job queue runs its jobs on Fargate or EC2, from its first compute environment: AWS Batch
// does not mix the two in one queue (moto does), so the first environment in order decides.
import type { ComputeEnvironmentDetail, JobQueueDetail } from '@aws-sdk/client-batch';
import type { QueuePlatform } from '../config/fargate';
import { SubmitError, awsStep } from '../shared/errors';
import type { BatchApi } from './batchApi';
import { checkJobQueue } from './submitJob';

export type { QueuePlatform };

export interface QueueTarget {
  /** As written in aws-batch.json (name or ARN). */
  name: string;
  arn?: string;
  platform: QueuePlatform;
  /** Name of the compute environment the platform comes from. */
  environment: string;
}

/** FARGATE and FARGATE_SPOT run on Fargate; EC2, SPOT and unmanaged environments (no computeResources) on EC2. */
export function platformOf(environment: ComputeEnvironmentDetail): QueuePlatform {
  const type = environment.computeResources?.type;
  return type === 'FARGATE' || type === 'FARGATE_SPOT' ? 'FARGATE' : 'EC2';
}

/** The name or ARN of the queue's first compute environment by order. */
export function firstEnvironment(queue: JobQueueDetail): string | undefined {
  return [...(queue.computeEnvironmentOrder ?? [])].sort((a, b) => (a.order ?? 0) - (b.order ?? 0))[0]
    ?.computeEnvironment;
}

/** Checks the queue (see checkJobQueue) and tells its platform; a queue without environments is an error. */
export async function queueTarget(batch: BatchApi, queue: string, signal?: AbortSignal): Promise<QueueTarget> {
  const found = await checkJobQueue(batch, queue, signal);
  const first = firstEnvironment(found);
  if (!first) {
    throw new SubmitError(
      'queue',
      `The job queue "${queue}" has no compute environment. Add one to it in the AWS Batch console, or set "jobQueue" to another queue.`,
    );
  }
  const [environment] = await awsStep('batch:DescribeComputeEnvironments', signal, () =>
    batch.describeComputeEnvironments([first], signal),
  );
  if (!environment) {
    throw new SubmitError(
      'queue',
      `The job queue "${queue}" uses the compute environment ${first}, which does not exist. Fix the queue in the AWS Batch console, or set "jobQueue" to another queue.`,
    );
  }
  return {
    name: queue,
    arn: found.jobQueueArn,
    platform: platformOf(environment),
    environment: environment.computeEnvironmentName ?? first,
  };
}
