// What the Create Run Configuration wizard offers: the account's queues, repositories and buckets.
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import type { WizardSources } from '../config/wizard';
import { listJobQueues } from './batchQueues';
import type { AwsClients } from './clients';

export async function listRepositories(ecr: Pick<ECRClient, 'send'>): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecr.send(new DescribeRepositoriesCommand({ nextToken, maxResults: 1000 }));
    names.push(...(page.repositories ?? []).map((repo) => repo.repositoryName ?? '').filter(Boolean));
    nextToken = page.nextToken;
  } while (nextToken);
  return names.sort();
}

export async function listBuckets(s3: Pick<S3Client, 'send'>): Promise<string[]> {
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListBucketsCommand({ ContinuationToken: token, MaxBuckets: 1000 }));
    names.push(...(page.Buckets ?? []).map((bucket) => bucket.Name ?? '').filter(Boolean));
    token = page.ContinuationToken;
  } while (token);
  return names.sort();
}

/** The wizard's choices from the live account: queues, repositories, buckets. */
export function wizardSources(clients: () => Promise<AwsClients>): WizardSources {
  return {
    queues: async () => {
      const queues = await listJobQueues((await clients()).batch);
      return queues
        .map((queue) => ({
          name: queue.jobQueueName ?? '',
          state: queue.state,
          status: queue.status,
          priority: queue.priority,
        }))
        .filter((queue) => queue.name)
        .sort((a, b) => a.name.localeCompare(b.name));
    },
    repositories: async () => listRepositories((await clients()).ecr),
    buckets: async () => listBuckets((await clients()).s3),
  };
}
