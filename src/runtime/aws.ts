// SDK clients for the runtime: the SDK's default credential chain (the job role inside Batch),
// region and endpoint from the environment, adaptive retries that back off on throttling.
import type { BatchClientConfig } from '@aws-sdk/client-batch';
import type { S3ClientConfig } from '@aws-sdk/client-s3';

export function awsConfig(
  service: 'BATCH' | 'S3',
  env: NodeJS.ProcessEnv = process.env,
): BatchClientConfig & S3ClientConfig {
  const endpoint = env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL || undefined;
  return {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    endpoint,
    retryMode: 'adaptive',
    maxAttempts: 6,
    // Stand-ins (moto, MinIO) and VPC endpoints given by URL serve path-style bucket addresses only.
    ...(service === 'S3' && endpoint ? { forcePathStyle: true } : {}),
  };
}

export async function createBatchClient(env?: NodeJS.ProcessEnv) {
  const { BatchClient } = await import('@aws-sdk/client-batch');
  return new BatchClient(awsConfig('BATCH', env));
}

export async function createS3Client(env?: NodeJS.ProcessEnv) {
  const { S3Client } = await import('@aws-sdk/client-s3');
  return new S3Client(awsConfig('S3', env));
}
