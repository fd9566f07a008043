// Credentials for FROM (and cacheFrom) images on Amazon ECR registries other than the run's own
// (another account's, or another region's), signed in with the user's AWS credentials and merged
// over ~/.docker/config.json's for the build's pulls. Submit and Run Locally build the same
// Dockerfile, so they sign in the same way; without an ECR base image no AWS call is made.
import type { ECRClient } from '@aws-sdk/client-ecr';
import { readFile } from 'node:fs/promises';
import { ecrPullCredentials } from '../aws/ecrPull';
import type { LoadedConfig } from '../config/loadConfig';
import { type PullCredentials, baseImages, registryOf } from '../docker/credentials';
import { parseEcrHost } from '../docker/ecrHost';

/** The registries of the Dockerfile's base images and cacheFrom that are on ECR, minus `exclude`. */
export async function ecrBaseRegistries(loaded: LoadedConfig, exclude: string[] = []): Promise<string[]> {
  const { config } = loaded;
  const dockerfile = await readFile(loaded.dockerfilePath, 'utf8').catch(() => '');
  return [...baseImages(dockerfile, config.buildArgs), ...(config.cacheFrom ?? [])]
    .map(registryOf)
    .filter((host) => !exclude.includes(host) && parseEcrHost(host) !== undefined);
}

export interface BaseImageSignIn {
  /** ECR clients of the user's credentials, by region; asked for only when a base image is on ECR. */
  ecrIn: () => Promise<(region: string) => ECRClient>;
  /** Registries signed in already (the run's own), not to sign in again. */
  exclude?: string[];
  /** Tokens at hand by region (the run's own registry's). */
  known?: Map<string, PullCredentials>;
  signal?: AbortSignal;
  log: (line: string) => void;
}

export async function baseImageCredentials(
  loaded: LoadedConfig,
  options: BaseImageSignIn,
): Promise<Record<string, PullCredentials>> {
  const hosts = await ecrBaseRegistries(loaded, options.exclude);
  if (hosts.length === 0) return {};
  const clientFor = await options.ecrIn();
  const signIn = await ecrPullCredentials(hosts, clientFor, options.known, options.signal);
  for (const line of signIn.log) options.log(line);
  return signIn.credentials;
}
