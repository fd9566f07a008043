// Reads job queues and their compute environments, following every page.
import {
  BatchClient,
  ComputeEnvironmentDetail,
  DescribeComputeEnvironmentsCommand,
  DescribeJobQueuesCommand,
  JobQueueDetail,
} from '@aws-sdk/client-batch';

/** DescribeComputeEnvironments accepts at most 100 names or ARNs per call. */
const COMPUTE_ENVIRONMENTS_PER_CALL = 100;

export async function listJobQueues(batch: Pick<BatchClient, 'send'>): Promise<JobQueueDetail[]> {
  const queues: JobQueueDetail[] = [];
  let nextToken: string | undefined;
  do {
    const page = await batch.send(new DescribeJobQueuesCommand({ nextToken, maxResults: 100 }));
    queues.push(...(page.jobQueues ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return queues;
}

export async function describeComputeEnvironments(
  batch: Pick<BatchClient, 'send'>,
  arns: readonly string[],
  signal?: AbortSignal,
): Promise<ComputeEnvironmentDetail[]> {
  const unique = [...new Set(arns)];
  const found: ComputeEnvironmentDetail[] = [];
  for (let i = 0; i < unique.length; i += COMPUTE_ENVIRONMENTS_PER_CALL) {
    const page = await batch.send(
      new DescribeComputeEnvironmentsCommand({
        computeEnvironments: unique.slice(i, i + COMPUTE_ENVIRONMENTS_PER_CALL),
      }),
      { abortSignal: signal },
    );
    found.push(...(page.computeEnvironments ?? []));
  }
  return found;
}
