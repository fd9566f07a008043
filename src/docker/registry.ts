// The registry's HTTP API (Docker Registry v2, which ECR speaks too), for what dockerode cannot do:
// check the sign-in before building, ask which digest a tag points to (to skip a push), and move a
// tag to an existing manifest. Credentials go only into the Authorization header.
import { SubmitError, cancelled } from '../shared/errors';

export interface RegistryCredentials {
  /** host[:port], e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com or 127.0.0.1:5000 */
  host: string;
  username: string;
  password: string;
}

export const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
];

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;

/** Docker talks plain HTTP to loopback registries and HTTPS to every other one; so do we. */
export function registryBaseUrl(host: string): string {
  return `${LOOPBACK.test(host) ? 'http' : 'https'}://${host}`;
}

function authorization(credentials: RegistryCredentials): string {
  return 'Basic ' + Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
}

/** One request to the registry's API, signed in; a network failure is a SubmitError naming the host. */
export async function call(
  credentials: RegistryCredentials,
  path: string,
  init: RequestInit & { signal?: AbortSignal },
): Promise<Response> {
  try {
    return await fetch(`${registryBaseUrl(credentials.host)}${path}`, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), Authorization: authorization(credentials) },
    });
  } catch (error) {
    if (init.signal?.aborted) throw cancelled();
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new SubmitError(
      'registry',
      `Cannot reach the registry ${credentials.host} (${cause?.code ?? cause?.message ?? (error as Error).message}). Check the network, or the "awsBatch.registryHost" setting if you set one.`,
    );
  }
}

/** Fails with a SubmitError('registry') naming the fix unless the registry accepts the credentials. */
export async function checkRegistryLogin(credentials: RegistryCredentials, signal?: AbortSignal): Promise<void> {
  const response = await call(credentials, '/v2/', { method: 'GET', signal });
  await response.body?.cancel();
  if (response.status === 401 || response.status === 403) {
    throw new SubmitError(
      'registry',
      `The registry ${credentials.host} refused the sign-in with the ECR authorization token (HTTP ${response.status}). ` +
        'Check that your AWS credentials may call ecr:GetAuthorizationToken for this registry, and that "awsBatch.registryHost" (if set) names the registry of this account and region.',
    );
  }
  if (!response.ok) {
    throw new SubmitError(
      'registry',
      `The registry ${credentials.host} answered HTTP ${response.status} to the sign-in check. Check "awsBatch.registryHost" if you set one.`,
    );
  }
}

/** The digest the registry has under `reference` (tag or digest), or undefined when it has none. */
export async function manifestDigest(
  credentials: RegistryCredentials,
  repository: string,
  reference: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const response = await call(credentials, `/v2/${repository}/manifests/${encodeURIComponent(reference)}`, {
    method: 'HEAD',
    headers: { Accept: MANIFEST_TYPES.join(', ') },
    signal,
  });
  if (response.status === 404) return undefined;
  if (!response.ok) {
    throw new SubmitError(
      'registry',
      `The registry ${credentials.host} answered HTTP ${response.status} for ${repository}:${reference}.`,
    );
  }
  return response.headers.get('docker-content-digest') ?? undefined;
}

/** Points `tag` at the manifest `digest` already in the repository (no layer moves). */
export async function putTag(
  credentials: RegistryCredentials,
  repository: string,
  digest: string,
  tag: string,
  signal?: AbortSignal,
): Promise<void> {
  const manifest = await call(credentials, `/v2/${repository}/manifests/${digest}`, {
    method: 'GET',
    headers: { Accept: MANIFEST_TYPES.join(', ') },
    signal,
  });
  if (!manifest.ok) {
    throw new SubmitError('registry', `The registry ${credentials.host} has no manifest ${digest} in ${repository}.`);
  }
  const type = manifest.headers.get('content-type') ?? MANIFEST_TYPES[0];
  const body = Buffer.from(await manifest.arrayBuffer());
  const put = await call(credentials, `/v2/${repository}/manifests/${encodeURIComponent(tag)}`, {
    method: 'PUT',
    headers: { 'Content-Type': type },
    body,
    signal,
  });
  await put.body?.cancel();
  if (!put.ok) {
    throw new SubmitError(
      'registry',
      `The registry ${credentials.host} refused to tag ${repository}:${tag} (HTTP ${put.status}).`,
    );
  }
}
