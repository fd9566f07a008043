// What the Create Run Configuration wizard offers: repositories and buckets of the account.
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';

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
