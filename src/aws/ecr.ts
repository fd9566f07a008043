// Amazon ECR: registry credentials from GetAuthorizationToken, and the repository (created when
// missing). The token is decoded into a user name and password that only the registry calls see.
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr';
import type { RegistryCredentials } from '../docker/registry';
import { AwsStepError, SubmitError, awsStep, cancelled } from '../shared/errors';

export interface EcrRegistry extends RegistryCredentials {
  /** The registry ECR named (proxyEndpoint host), even when awsBatch.registryHost overrides `host`. */
  ecrHost: string;
  expiresAt?: Date;
}

/** Splits a decoded "user:password" authorization token. */
export function decodeAuthorizationToken(token: string): { username: string; password: string } {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw new SubmitError('registry', 'ECR returned an authorization token in an unknown format.');
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Credentials for pushing to this account's registry.
 * @param registryHost the awsBatch.registryHost setting: push here instead of the ECR endpoint (a local
 *   registry, a pull-through proxy); empty means the proxyEndpoint ECR returns
 */
export async function getRegistryCredentials(
  ecr: ECRClient,
  registryHost: string | undefined,
  signal?: AbortSignal,
): Promise<EcrRegistry> {
  const out = await awsStep('ecr:GetAuthorizationToken', signal, () =>
    ecr.send(new GetAuthorizationTokenCommand({}), { abortSignal: signal }),
  );
  const data = out.authorizationData?.[0];
  if (!data?.authorizationToken || !data.proxyEndpoint) {
    throw new SubmitError('registry', 'ECR GetAuthorizationToken returned no token. Try again, or check the region.');
  }
  const ecrHost = new URL(data.proxyEndpoint).host;
  const host =
    registryHost
      ?.trim()
      .replace(/^https?:\/\//, '')
      .replace(/\/+$/, '') || ecrHost;
  return { host, ecrHost, ...decodeAuthorizationToken(data.authorizationToken), expiresAt: data.expiresAt };
}

export interface Repository {
  name: string;
  uri?: string;
  created: boolean;
}

/** Finds the repository, or creates it (scan on push, immutable digests are left to the account's defaults). */
export async function ensureRepository(ecr: ECRClient, name: string, signal?: AbortSignal): Promise<Repository> {
  try {
    const found = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }), { abortSignal: signal });
    const repo = found.repositories?.[0];
    if (repo) return { name, uri: repo.repositoryUri, created: false };
  } catch (error) {
    if (signal?.aborted) throw cancelled();
    if ((error as Error).name !== 'RepositoryNotFoundException')
      throw new AwsStepError('ecr:DescribeRepositories', error);
  }
  const created = await awsStep('ecr:CreateRepository', signal, () =>
    ecr.send(
      new CreateRepositoryCommand({
        repositoryName: name,
        imageScanningConfiguration: { scanOnPush: true },
        tags: [{ Key: 'batch-runner:managed', Value: 'true' }],
      }),
      { abortSignal: signal },
    ),
  ).catch((error: unknown) => {
    // Two submits racing: the other one created it.
    if ((error as { error?: Error }).error?.name === 'RepositoryAlreadyExistsException') return undefined;
    throw error;
  });
  return { name, uri: created?.repository?.repositoryUri, created: created !== undefined };
}
