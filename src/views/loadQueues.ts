// Fetches what the Job Queues view shows. The error carries the IAM action that failed so the
// message can name the missing permission. The SDK-backed modules load on first use, not at activation.
import type { AwsClients } from '../aws/clients';
import type { QueuesSnapshot } from './jobQueuesModel';

export class FailedAction extends Error {
  constructor(
    readonly action: string,
    readonly error: unknown,
  ) {
    super(`${action} failed`);
    this.name = 'FailedAction';
  }
}

export async function step<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new FailedAction(action, error);
  }
}

export async function loadQueues(clients: () => Promise<AwsClients>): Promise<QueuesSnapshot> {
  const { batch } = await clients();
  const { describeComputeEnvironments, listJobQueues } = await import('../aws/api');
  const queues = await step('batch:DescribeJobQueues', () => listJobQueues(batch));
  const arns = queues.flatMap((queue) => (queue.computeEnvironmentOrder ?? []).map((o) => o.computeEnvironment ?? ''));
  const computeEnvironments = await step('batch:DescribeComputeEnvironments', () =>
    describeComputeEnvironments(batch, arns.filter(Boolean)),
  );
  return { queues, computeEnvironments };
}
