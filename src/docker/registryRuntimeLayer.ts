// Submit's runtime layer, appended in the registry rather than built on the engine: the user's image
// is pushed as it was built (tag <content tag>-without-runtime), and the image the job runs is a new
// manifest in the same repository with the runtime's layers after the user's and a config that
// names them (as `crane append` does). The layers are the same bytes on every Submit (runtimeFiles.ts
// writes them with fixed owners and times; gzip'd once into the cache), so after a code change
// nothing of the runtime is built, copied or uploaded again: a HEAD per layer, a config and a
// manifest. Run Locally mounts the same files into its containers (runtimeMounts.ts); both
// decide what goes in the same way first (runtimeCheck.ts).
//
// Two layers, the Node binary and runtime.js, so a new extension version (a new runtime.js) sends
// the small one only.
import type Docker from 'dockerode';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { SubmitError } from '../shared/errors';
import type { RegistryCredentials } from './registry';
import { Descriptor, Manifest, ensureBlob, getBlob, getManifest, putManifest } from './registryBlobs';
import { candidateFiles, checkRuntime } from './runtimeCheck';
import {
  BUNDLED_NODE,
  FIXED_TIME,
  LABELS,
  LAYER_DIRS,
  LayerFile,
  RUNTIME_SCRIPT,
  RuntimeSource,
  layerTar,
  sha256,
} from './runtimeFiles';

/** Bump when the appended image's recipe changes, so old content tags are not reused. */
export const REGISTRY_RECIPE = 'registry-runtime-1';
/** Bump when the layer blobs' bytes would change (tar layout, compression). */
const BLOB_RECIPE = 'layer-blob-1';
/** The user's image, pushed as built: `<content tag>-without-runtime`. */
export const WITHOUT_RUNTIME_SUFFIX = '-without-runtime';

const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export interface LayerBlob {
  /** sha256 of the gzip'd tar: the blob's name in the registry. */
  digest: string;
  /** sha256 of the tar: the config's rootfs.diff_ids entry. */
  diffId: string;
  size: number;
  path: string;
  /** What the layer holds, for the image's history. */
  description: string;
}

export interface RuntimeDecision {
  /** How the job starts the runtime ("node" or /opt/batch-runner/node). */
  node: string;
  /** Whether the image's ENTRYPOINT stays (it runs the command it is given). */
  keepEntrypoint: boolean;
  /** The layers to append, in order, each a list of files. */
  layers: { description: string; files: LayerFile[] }[];
}

function hashing(hash: ReturnType<typeof createHash>, count?: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      if (count) count.bytes += chunk.length;
      done(null, chunk);
    },
  });
}

/** The gzip'd layer tar of `files`, written into the cache once (keyed by what the files are). */
export async function layerBlob(cacheDir: string, description: string, files: LayerFile[]): Promise<LayerBlob> {
  const key = sha256(JSON.stringify([BLOB_RECIPE, LAYER_DIRS, files.map((f) => [f.name, f.size, f.mode, f.id])]));
  const dir = join(cacheDir, 'layers');
  const path = join(dir, `${key.slice(0, 32)}.tar.gz`);
  const meta = join(dir, `${key.slice(0, 32)}.json`);
  const known = await readFile(meta, 'utf8').then(
    (text) => JSON.parse(text) as Omit<LayerBlob, 'path' | 'description'>,
    () => undefined,
  );
  if (
    known &&
    (await stat(path).then(
      (s) => s.size === known.size,
      () => false,
    ))
  ) {
    return { ...known, path, description };
  }
  await mkdir(dir, { recursive: true });
  // Two Submits at once (two windows, two folders) each write their own file; the rename is atomic.
  const partial = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.part`;
  const tarHash = createHash('sha256');
  const gzHash = createHash('sha256');
  const count = { bytes: 0 };
  try {
    await pipeline(
      layerTar(files, LAYER_DIRS),
      hashing(tarHash),
      createGzip(),
      hashing(gzHash, count),
      createWriteStream(partial),
    );
    const blob = {
      digest: `sha256:${gzHash.digest('hex')}`,
      diffId: `sha256:${tarHash.digest('hex')}`,
      size: count.bytes,
    };
    await rename(partial, path);
    await writeFile(meta, JSON.stringify(blob));
    return { ...blob, path, description };
  } finally {
    await rm(partial, { force: true });
  }
}

/** The image under `contentTag` when the registry has it with this content key (so nothing is pushed). */
export async function appendedImage(
  registry: RegistryCredentials,
  repository: string,
  contentTag: string,
  key: string,
  signal?: AbortSignal,
): Promise<{ digest: string; node: string } | undefined> {
  const manifest = await getManifest(registry, repository, contentTag, signal);
  if (!manifest?.body.config) return undefined;
  const config = JSON.parse(
    (await getBlob(registry, repository, manifest.body.config.digest, signal)).toString('utf8'),
  ) as ImageConfig;
  const labels = config.config?.Labels ?? {};
  if (labels[LABELS.key] !== key || !labels[LABELS.node]) return undefined;
  return { digest: manifest.digest, node: labels[LABELS.node] };
}

/**
 * What the layer holds and whether the image's ENTRYPOINT stays (runtimeCheck.ts: no image is
 * built), and the layers' blobs, made (the first time: gzip of a 120 MB Node binary) while the
 * checks run.
 */
export async function prepareRuntime(
  docker: Docker,
  baseImageId: string,
  source: RuntimeSource,
): Promise<{ decision: RuntimeDecision; blobs: LayerBlob[] }> {
  const files = await candidateFiles(docker, source);
  const { runtimeFile, spawnFile, nodeFile } = files;
  const nodeLayer = nodeFile && { description: `Node.js from ${source.nodeImage}`, files: [nodeFile] };
  const runtimeLayer = {
    description: 'the AWS Batch Runner runtime',
    files: [runtimeFile, ...(spawnFile ? [spawnFile] : [])],
  };
  // Both blobs while the checks run: the Node one is needed by most images, and kept for the others.
  const made = new Map(
    [nodeLayer, runtimeLayer]
      .filter((layer) => layer !== undefined)
      .map((layer) => [layer, layerBlob(source.cacheDir, layer.description, layer.files)]),
  );
  for (const blob of made.values()) blob.catch(() => undefined); // awaited below; a failed check must not leave it unhandled
  const { node, keepEntrypoint } = await checkRuntime(docker, baseImageId, files, source);
  const layers = node === BUNDLED_NODE && nodeLayer ? [nodeLayer, runtimeLayer] : [runtimeLayer];
  return {
    decision: { node, keepEntrypoint, layers },
    blobs: await Promise.all(layers.map((layer) => made.get(layer)!)),
  };
}

interface ImageConfig {
  architecture?: string;
  os?: string;
  config?: {
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    Labels?: Record<string, string> | null;
    [key: string]: unknown;
  };
  rootfs?: { type: string; diff_ids: string[] };
  history?: { created?: string; created_by?: string; comment?: string; empty_layer?: boolean }[];
  [key: string]: unknown;
}

/** The single-platform manifest of `platform` ("linux/amd64[/v8]") in an index, or the manifest itself. */
async function platformManifest(
  registry: RegistryCredentials,
  repository: string,
  manifest: Manifest,
  platform: string,
  signal?: AbortSignal,
): Promise<Manifest> {
  if (!manifest.body.manifests) return manifest;
  const [os, architecture, variant] = platform.split('/');
  const entry = manifest.body.manifests.find(
    (m) =>
      m.platform?.os === os &&
      m.platform?.architecture === architecture &&
      (variant === undefined || m.platform?.variant === variant),
  );
  const inner = entry && (await getManifest(registry, repository, entry.digest, signal));
  if (!inner) {
    throw new SubmitError('push', `The pushed image ${repository}@${manifest.digest} has no ${platform} manifest.`);
  }
  return inner;
}

export interface AppendRequest {
  repository: string;
  /** The pushed user's image: a digest (or tag) in `repository`. */
  base: string;
  /** The tag the image with the runtime gets. */
  tag: string;
  platform: string;
  decision: RuntimeDecision;
  blobs: LayerBlob[];
  labels: Record<string, string>;
  signal?: AbortSignal;
}

/** Puts the runtime's layers on the pushed image; resolves with the new manifest's digest and the bytes sent. */
export async function appendRuntimeLayers(
  registry: RegistryCredentials,
  request: AppendRequest,
): Promise<{ digest: string; uploadedBytes: number; uploadedLayers: number }> {
  const { repository, signal } = request;
  const pushed = await getManifest(registry, repository, request.base, signal);
  if (!pushed)
    throw new SubmitError('push', `The registry ${registry.host} lost the pushed image ${repository}@${request.base}.`);
  const base = await platformManifest(registry, repository, pushed, request.platform, signal);
  if (!base.body.config || !base.body.layers) {
    throw new SubmitError(
      'push',
      `The pushed image ${repository}@${base.digest} has a manifest of an unknown kind (${base.mediaType}).`,
    );
  }
  const oci = base.mediaType === OCI_MANIFEST;
  const config = JSON.parse(
    (await getBlob(registry, repository, base.body.config.digest, signal)).toString('utf8'),
  ) as ImageConfig;

  let uploadedBytes = 0;
  let uploadedLayers = 0;
  for (const blob of request.blobs) {
    if (await ensureBlob(registry, repository, { digest: blob.digest, size: blob.size, path: blob.path }, signal)) {
      uploadedBytes += blob.size;
      uploadedLayers++;
    }
  }

  const { node, keepEntrypoint } = request.decision;
  const inner = { ...(config.config ?? {}) };
  // As the engine-built layer's Dockerfile does: ENTRYPOINT [] unless it runs commands, CMD --help.
  if (!keepEntrypoint) inner.Entrypoint = null;
  inner.Cmd = [node, RUNTIME_SCRIPT, '--help'];
  inner.Labels = { ...(inner.Labels ?? {}), ...request.labels };
  const created = FIXED_TIME.toISOString();
  const next: ImageConfig = {
    ...config,
    config: inner,
    rootfs: { type: 'layers', diff_ids: [...(config.rootfs?.diff_ids ?? []), ...request.blobs.map((b) => b.diffId)] },
    history: [
      ...(config.history ?? []),
      ...request.blobs.map((b) => ({
        created,
        created_by: `AWS Batch Runner: ${b.description}`,
        comment: 'appended in the registry',
      })),
    ],
  };
  const configBytes = Buffer.from(JSON.stringify(next));
  const configDigest = `sha256:${sha256(configBytes)}`;
  await ensureBlob(
    registry,
    repository,
    { digest: configDigest, size: configBytes.length, bytes: configBytes },
    signal,
  );

  const layers: Descriptor[] = [
    ...base.body.layers,
    ...request.blobs.map((b) => ({ mediaType: oci ? OCI_LAYER : DOCKER_LAYER, digest: b.digest, size: b.size })),
  ];
  const mediaType = oci ? OCI_MANIFEST : DOCKER_MANIFEST;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: { mediaType: base.body.config.mediaType, digest: configDigest, size: configBytes.length },
      layers,
    }),
  );
  const digest =
    (await putManifest(registry, repository, request.tag, mediaType, manifest, signal)) || `sha256:${sha256(manifest)}`;
  return { digest, uploadedBytes, uploadedLayers };
}
