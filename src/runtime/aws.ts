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

/**
 * The runtime ships its own SDK and runs on the Node it was built for (22); the SDK's warning about future Node
 * versions would only clutter every job log. It is silenced while a client is built (that is when it
 * is checked) without changing the environment the tasks inherit.
 */
export function quietly<T>(build: () => T): T {
  const name = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';
  const before = process.env[name];
  process.env[name] = 'true';
  try {
    return build();
  } finally {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  }
}

export async function createBatchClient(env?: NodeJS.ProcessEnv) {
  const { BatchClient } = await import('@aws-sdk/client-batch');
  return quietly(() => new BatchClient(awsConfig('BATCH', env)));
}
