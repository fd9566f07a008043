// One place that builds SDK v3 clients, so every service shares the same credentials, region,
// endpoint override and retry policy.
import { BatchClient } from '@aws-sdk/client-batch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECRClient } from '@aws-sdk/client-ecr';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { BatchApi } from './batchApi';
import type { IamApi } from './iamApi';
import { createBatchApi } from './sdkBatchApi';
import { createIamApi } from './sdkIamApi';
import { loadSharedProfiles } from './sharedProfiles';
import { AwsSettings, AwsTarget, endpointFor, resolveAwsTarget } from './target';

export interface AwsClients {
  readonly target: AwsTarget;
  /** Every Batch call of the extension goes through this (paging, batching, the IAM action in errors). */
  readonly batch: BatchApi;
  readonly ecr: ECRClient;
  /** ECR in another region with the same credentials (base images on other regions' registries). */
  ecrIn(region: string): ECRClient;
  readonly logs: CloudWatchLogsClient;
  readonly s3: S3Client;
  /** The wizard's job roles (ListRoles). */
  readonly iam: IamApi;
  destroy(): void;
}

export interface ClientOptions {
  /** Attempts per call, including the first. Adaptive retries back off on throttling. */
  maxAttempts?: number;
  /** Milliseconds to wait for a TCP connection; an unreachable endpoint should fail fast, not hang a view. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /**
   * Asks for the code of the MFA device a role profile names (mfa_serial). Without it such a profile
   * fails with a message that says so.
   */
  mfaCodeProvider?: (mfaSerial: string) => Promise<string>;
}

export async function createAwsClients(
  settings: AwsSettings,
  env: Record<string, string | undefined> = process.env,
  options: ClientOptions = {},
): Promise<AwsClients> {
  const target = resolveAwsTarget(settings, env, await loadSharedProfiles());
  const credentials = defaultProvider({
    ...(target.profile ? { profile: target.profile } : {}),
    ...(options.mfaCodeProvider ? { mfaCodeProvider: options.mfaCodeProvider } : {}),
  });
  // The profile's (or AWS_RETRY_MODE / AWS_MAX_ATTEMPTS') retry settings, else adaptive with 4 attempts.
  const config = {
    region: target.region,
    credentials,
    retryMode: target.retryMode ?? 'adaptive',
    maxAttempts: options.maxAttempts ?? target.maxAttempts ?? 4,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 5000,
      requestTimeout: options.requestTimeoutMs ?? 60000,
    },
  };
  // Each service's own endpoint (AWS_ENDPOINT_URL_S3, a [services] section…) wins over the global one.
  const batchClient = new BatchClient({ ...config, endpoint: endpointFor(target, 'batch') });
  const ecr = new ECRClient({ ...config, endpoint: endpointFor(target, 'ecr') });
  const logs = new CloudWatchLogsClient({ ...config, endpoint: endpointFor(target, 'logs') });
  // Stand-ins such as moto and MinIO only serve path-style bucket addresses.
  const s3Endpoint = endpointFor(target, 's3');
  const s3 = new S3Client({ ...config, endpoint: s3Endpoint, forcePathStyle: s3Endpoint !== undefined });
  // IAM is global: the SDK sends it to the partition's IAM endpoint whatever the region.
  const iamClient = new IAMClient({ ...config, endpoint: endpointFor(target, 'iam') });
  const otherRegions = new Map<string, ECRClient>();
  return {
    target,
    batch: createBatchApi(batchClient),
    ecr,
    ecrIn(region) {
      if (region === target.region) return ecr;
      let client = otherRegions.get(region);
      if (!client) {
        client = new ECRClient({ ...config, region, endpoint: endpointFor(target, 'ecr') });
        otherRegions.set(region, client);
      }
      return client;
    },
    logs,
    s3,
    iam: createIamApi(iamClient),
    destroy() {
      for (const client of [batchClient, ecr, logs, s3, iamClient, ...otherRegions.values()]) client.destroy();
    },
  };
}
