// Manifests and blobs through the registry's HTTP API (OCI distribution, which ECR and Docker's
// registry speak), for the runtime layer appended in the registry (registryRuntimeLayer.ts): read
// the pushed image's manifest and config, upload a blob unless the repository has it, put a manifest.
import { readFile } from 'node:fs/promises';
import { SubmitError } from '../shared/errors';
import { MANIFEST_TYPES, RegistryCredentials, call, registryBaseUrl } from './registry';

export interface Manifest {
  mediaType: string;
  /** The manifest's own digest (Docker-Content-Digest). */
  digest: string;
  body: ManifestBody;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface ManifestBody {
  schemaVersion: number;
  mediaType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  /** An index (manifest list) has these instead. */
  manifests?: Descriptor[];
}

export interface Blob {
  digest: string;
  size: number;
  /** A file on disk (a layer) or bytes (a config). */
  path?: string;
  bytes?: Buffer;
}

function refused(credentials: RegistryCredentials, what: string, status: number): SubmitError {
  const denied = status === 401 || status === 403;
  return new SubmitError(
    'registry',
    `The registry ${credentials.host} answered HTTP ${status} to ${what}.` +
      (denied
        ? ' Check that your AWS credentials may push to and read this ECR repository (ecr:BatchCheckLayerAvailability, ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload, ecr:PutImage, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer: docs/iam/user-policy.json).'
        : ''),
  );
}

export async function getManifest(
  credentials: RegistryCredentials,
  repository: string,
  reference: string,
  signal?: AbortSignal,
): Promise<Manifest | undefined> {
  const response = await call(credentials, `/v2/${repository}/manifests/${encodeURIComponent(reference)}`, {
    method: 'GET',
    headers: { Accept: MANIFEST_TYPES.join(', ') },
    signal,
  });
  if (response.status === 404) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw refused(credentials, `reading the manifest ${repository}:${reference}`, response.status);
  }
  const text = await response.text();
  const body = JSON.parse(text) as ManifestBody;
  return {
    mediaType: response.headers.get('content-type')?.split(';')[0] ?? body.mediaType ?? MANIFEST_TYPES[0],
    digest: response.headers.get('docker-content-digest') ?? '',
    body,
  };
}

export async function getBlob(
  credentials: RegistryCredentials,
  repository: string,
  digest: string,
  signal?: AbortSignal,
): Promise<Buffer> {
  const response = await call(credentials, `/v2/${repository}/blobs/${digest}`, { method: 'GET', signal });
  if (!response.ok) {
    await response.body?.cancel();
    throw refused(credentials, `reading the blob ${digest} of ${repository}`, response.status);
  }
  return Buffer.from(await response.arrayBuffer());
}

export async function hasBlob(
  credentials: RegistryCredentials,
  repository: string,
  digest: string,
  signal?: AbortSignal,
): Promise<boolean> {
  const response = await call(credentials, `/v2/${repository}/blobs/${digest}`, { method: 'HEAD', signal });
  await response.body?.cancel();
  if (response.status === 404) return false;
  if (!response.ok) throw refused(credentials, `looking for the blob ${digest} in ${repository}`, response.status);
  return true;
}

/** The upload URL a response's Location names (relative to the registry, or absolute), as a path. */
function uploadPath(credentials: RegistryCredentials, location: string | null, what: string): string {
  if (!location)
    throw new SubmitError('registry', `The registry ${credentials.host} gave no upload location for ${what}.`);
  const base = registryBaseUrl(credentials.host);
  const url = new URL(location, base);
  // Only the registry itself: a Location elsewhere would send the credentials to another host.
  if (url.origin !== new URL(base).origin) {
    throw new SubmitError(
      'registry',
      `The registry ${credentials.host} sent the upload of ${what} to another host (${url.host}).`,
    );
  }
  return `${url.pathname}${url.search}`;
}

/**
 * Uploads a blob unless the repository has it: POST a session, PATCH the bytes, PUT with the digest
 * (the sequence docker push uses, which ECR accepts too). Returns whether bytes were sent.
 */
export async function ensureBlob(
  credentials: RegistryCredentials,
  repository: string,
  blob: Blob,
  signal?: AbortSignal,
): Promise<boolean> {
  if (await hasBlob(credentials, repository, blob.digest, signal)) return false;
  const what = `${blob.digest} of ${repository}`;
  const started = await call(credentials, `/v2/${repository}/blobs/uploads/`, { method: 'POST', signal });
  await started.body?.cancel();
  if (started.status !== 202) throw refused(credentials, `starting the upload of ${what}`, started.status);
  const bytes = blob.bytes ?? (await readFile(blob.path ?? ''));
  const patched = await call(credentials, uploadPath(credentials, started.headers.get('location'), what), {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.length) },
    body: bytes,
    signal,
  });
  await patched.body?.cancel();
  if (patched.status !== 202) throw refused(credentials, `uploading ${what}`, patched.status);
  const path = uploadPath(credentials, patched.headers.get('location'), what);
  const committed = await call(
    credentials,
    `${path}${path.includes('?') ? '&' : '?'}digest=${encodeURIComponent(blob.digest)}`,
    {
      method: 'PUT',
      headers: { 'Content-Length': '0' },
      signal,
    },
  );
  await committed.body?.cancel();
  if (committed.status !== 201) throw refused(credentials, `completing the upload of ${what}`, committed.status);
  return true;
}

/** Puts a manifest under `tag`; resolves with its digest. */
export async function putManifest(
  credentials: RegistryCredentials,
  repository: string,
  tag: string,
  mediaType: string,
  body: Buffer,
  signal?: AbortSignal,
): Promise<string> {
  const response = await call(credentials, `/v2/${repository}/manifests/${encodeURIComponent(tag)}`, {
    method: 'PUT',
    headers: { 'Content-Type': mediaType },
    body,
    signal,
  });
  await response.body?.cancel();
  if (response.status !== 201) throw refused(credentials, `putting the manifest ${repository}:${tag}`, response.status);
  return response.headers.get('docker-content-digest') ?? '';
}
