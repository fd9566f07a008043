// One place that builds SDK v3 clients, so every service shares the same credentials, region,
// endpoint override and retry policy.
import { BatchClient } from '@aws-sdk/client-batch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECRClient } from '@aws-sdk/client-ecr';
import { S3Client } from '@aws-sdk/client-s3';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { BatchApi } from './batchApi';
import { createBatchApi } from './sdkBatchApi';
import { loadSharedProfiles } from './sharedProfiles';
import { AwsSettings, AwsTarget, resolveAwsTarget } from './target';

export interface AwsClients {
  readonly target: AwsTarget;
  /** Every Batch call of the extension goes through this (paging, batching, the IAM action in errors). */
  readonly batch: BatchApi;
  readonly ecr: ECRClient;
  readonly logs: CloudWatchLogsClient;
  readonly s3: S3Client;
  destroy(): void;
}

export interface ClientOptions {
  /** Attempts per call, including the first. Adaptive retries back off on throttling. */
  maxAttempts?: number;
  /** Milliseconds to wait for a TCP connection; an unreachable endpoint should fail fast, not hang a view. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export async function createAwsClients(
  settings: AwsSettings,
  env: Record<string, string | undefined> = process.env,
  options: ClientOptions = {},
): Promise<AwsClients> {
  const target = resolveAwsTarget(settings, env, await loadSharedProfiles());
  const config = {
    region: target.region,
    endpoint: target.endpoint,
    credentials: defaultProvider(target.profile ? { profile: target.profile } : {}),
    retryMode: 'adaptive',
    maxAttempts: options.maxAttempts ?? 4,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 5000,
      requestTimeout: options.requestTimeoutMs ?? 60000,
    },
  };
  const batchClient = new BatchClient(config);
  const ecr = new ECRClient(config);
  const logs = new CloudWatchLogsClient(config);
  // Stand-ins such as moto and MinIO only serve path-style bucket addresses.
  const s3 = new S3Client({ ...config, forcePathStyle: target.endpoint !== undefined });
  return {
    target,
    batch: createBatchApi(batchClient),
    ecr,
    logs,
    s3,
    destroy() {
      for (const client of [batchClient, ecr, logs, s3]) client.destroy();
    },
  };
}
