// What the Create Run Configuration wizard offers: the account's queues, repositories, buckets and roles.
import { ECRClient, paginateDescribeRepositories } from '@aws-sdk/client-ecr';
import { paginateListBuckets, S3Client } from '@aws-sdk/client-s3';
import type { JobQueueDetail } from '@aws-sdk/client-batch';
import type { QueuePlatform } from '../config/fargate';
import type { WizardSources } from '../config/wizard';
import { firstEnvironment, platformOf } from './queuePlatform';
import { awsCall } from '../shared/errors';
import type { BatchApi } from './batchApi';
import type { AwsClients } from './clients';

export async function listRepositories(ecr: ECRClient): Promise<string[]> {
  return awsCall('ecr:DescribeRepositories', undefined, async () => {
    const names: string[] = [];
    for await (const page of paginateDescribeRepositories({ client: ecr, pageSize: 1000 }, {})) {
      names.push(...(page.repositories ?? []).map((repo) => repo.repositoryName ?? '').filter(Boolean));
    }
    return names.sort();
  });
}

export async function listBuckets(s3: S3Client): Promise<string[]> {
  return awsCall('s3:ListAllMyBuckets', undefined, async () => {
    const names: string[] = [];
    for await (const page of paginateListBuckets({ client: s3, pageSize: 1000 }, {})) {
      names.push(...(page.Buckets ?? []).map((bucket) => bucket.Name ?? '').filter(Boolean));
    }
    return names.sort();
  });
}

/**
 * The platform of each queue's first compute environment, by the name or ARN the queues use. Empty
 * when the environments cannot be read: the wizard then asks no Fargate questions, and Submit checks again.
 */
async function queuePlatforms(batch: BatchApi, queues: JobQueueDetail[]): Promise<Map<string, QueuePlatform>> {
  const first = queues.map(firstEnvironment).filter((name): name is string => Boolean(name));
  const platforms = new Map<string, QueuePlatform>();
  const environments = await batch.describeComputeEnvironments(first).catch(() => []);
  for (const environment of environments) {
    const platform = platformOf(environment);
    if (environment.computeEnvironmentName) platforms.set(environment.computeEnvironmentName, platform);
    if (environment.computeEnvironmentArn) platforms.set(environment.computeEnvironmentArn, platform);
  }
  return platforms;
}

/** The wizard's choices from the live account: queues, repositories, buckets, IAM roles. */
export function wizardSources(clients: () => Promise<AwsClients>): WizardSources {
  return {
    queues: async () => {
      const { batch } = await clients();
      const queues = await batch.describeJobQueues();
      const platforms = await queuePlatforms(batch, queues);
      return queues
        .map((queue) => ({
          name: queue.jobQueueName ?? '',
          arn: queue.jobQueueArn,
          state: queue.state,
          status: queue.status,
          priority: queue.priority,
          platform: platforms.get(firstEnvironment(queue) ?? ''),
        }))
        .filter((queue) => queue.name)
        .sort((a, b) => a.name.localeCompare(b.name));
    },
    repositories: async () => listRepositories((await clients()).ecr),
    buckets: async () => listBuckets((await clients()).s3),
    roles: async () => (await clients()).iam.listRoles(),
  };
}
