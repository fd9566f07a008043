// The runtime layer: after the user's image, one layer with the bundled runtime at
// /opt/batch-runner/runtime.js and, unless the image already runs Node.js >= 22, a Node binary
// (taken from a Node image, setting awsBatch.runtimeNodeImage) at /opt/batch-runner/node.
//
// The layer is added with ADD of a tar we write with fixed owners and times, so it has the same
// content (and digest) on top of any base: after a code change only the user's layers are pushed,
// not another 100 MB Node binary. The result is tagged with a content hash of its inputs; when an
// image with that tag exists, nothing is built at all.
import type Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, pack } from 'tar-stream';
import { SubmitError, cancelled } from '../shared/errors';
import type { LineSink } from '../shared/progress';
import type { EngineEvent } from './build';
import { buildImage } from './build';
import { EngineInfo, inspectImage, runOnce } from './engine';
import { DEFAULT_NODE_IMAGE, MIN_NODE_MAJOR } from './runtimeNode';

export { MIN_NODE_MAJOR } from './runtimeNode';

export const RUNTIME_DIR = '/opt/batch-runner';
export const RUNTIME_SCRIPT = `${RUNTIME_DIR}/runtime.js`;
export const BUNDLED_NODE = `${RUNTIME_DIR}/node`;
/** Bump when the layer's recipe changes, so old content tags are not reused. */
const RECIPE = 'runtime-layer-2';
const LAYER_FILE = 'batch-runner-runtime.tar';
/** The temporary name of the user's image while the layer is built on it (unique per build). */
const LAYER_BASE_REPO = 'batch-runner-layer-base';
/** The tag the user's image keeps in the run's repository, locally. */
export const WITHOUT_RUNTIME_TAG = 'without-runtime';
const FIXED_TIME = new Date('2024-01-01T00:00:00Z');
const NODE_PATHS = ['/usr/local/bin/node', '/usr/bin/node'];

export const LABELS = {
  key: 'org.batch-runner.content-key',
  node: 'org.batch-runner.node',
  runtime: 'org.batch-runner.runtime-sha256',
} as const;

export interface RuntimeLayerRequest {
  /** ID of the user's built image. */
  baseImageId: string;
  platform: string;
  /** dist/runtime.js */
  runtimePath: string;
  /** Image to copy the Node binary from (awsBatch.runtimeNodeImage). */
  nodeImage: string;
  /** Folder for the extracted Node binary. */
  cacheDir: string;
  /** "host/repository": the final image is tagged <repository>:<content tag>. */
  repository: string;
  engine: EngineInfo;
  signal?: AbortSignal;
  log?: LineSink;
  onStatus?: (message: string) => void;
  /** For DOCKER_BUILDKIT=0 (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface RuntimeImage {
  imageId: string;
  /** host/repository:contentTag */
  ref: string;
  contentTag: string;
  /** How the job starts the runtime: "node" (the image's own) or /opt/batch-runner/node. */
  node: string;
  /** True when an image with this content tag already existed and nothing was built. */
  reused: boolean;
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

function platformRuns(platform: string, engine: EngineInfo): boolean {
  return platform === `${engine.os}/${engine.arch}`;
}

/** The job's command for a given node: the runtime's manager. */
export function managerCommand(node: string): string[] {
  return [node, RUNTIME_SCRIPT, 'manager'];
}

/** Major version of the `node` on the image's PATH, or undefined when it has none (or it cannot run here). */
export async function nodeMajorIn(docker: Docker, image: string, signal?: AbortSignal): Promise<number | undefined> {
  const result = await runOnce(docker, image, ['node'], ['-e', 'process.stdout.write(process.versions.node)'], signal);
  if (!result || result.exitCode !== 0) return undefined;
  const major = /^(\d+)\./.exec(result.output.trim())?.[1];
  return major ? Number(major) : undefined;
}

async function ensureImage(
  docker: Docker,
  image: string,
  signal: AbortSignal | undefined,
  log: LineSink,
): Promise<string> {
  const found = await inspectImage(docker, image);
  if (found) return found.Id;
  log(`Pulling ${image} for the Node.js binary of the runtime layer`);
  try {
    const stream = (await docker.pull(image, { abortSignal: signal } as object)) as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (error: Error | null, output: EngineEvent[]) => {
        const failed = output?.find((event) => event.error !== undefined);
        if (error || failed) reject(error ?? new Error(failed?.errorDetail?.message ?? failed?.error));
        else resolve();
      }),
    );
  } catch (error) {
    if (signal?.aborted) throw cancelled();
    throw new SubmitError(
      'runtime',
      `The Node.js image "${image}" (setting awsBatch.runtimeNodeImage) is not on this machine and cannot be pulled: ${(error as Error).message}. ` +
        `Pull it ("docker pull ${image}"), or set awsBatch.runtimeNodeImage to a local image that has /usr/local/bin/node.`,
    );
  }
  const pulled = await inspectImage(docker, image);
  if (!pulled) throw new SubmitError('runtime', `Pulling "${image}" did not produce an image.`);
  return pulled.Id;
}

/** Reads one file out of a container's file system; follows symbolic links (up to 4). */
async function copyFileOut(container: Docker.Container, path: string, target: string, hops = 0): Promise<boolean> {
  let archive: NodeJS.ReadableStream;
  try {
    archive = (await container.getArchive({ path })) as NodeJS.ReadableStream;
  } catch {
    return false;
  }
  const entries = extract();
  let link: string | undefined;
  let copied = false;
  entries.on('entry', (header, stream, next) => {
    if (!copied && header.type === 'symlink' && header.linkname) {
      link = header.linkname;
      stream.resume();
      stream.on('end', next);
    } else if (!copied && header.type === 'file') {
      copied = true;
      const out = createWriteStream(target, { mode: 0o755 });
      pipeline(stream, out).then(() => next(), next);
    } else {
      stream.resume();
      stream.on('end', next);
    }
  });
  await pipeline(archive as unknown as Readable, entries);
  if (!copied && link && hops < 4) {
    return copyFileOut(
      container,
      link.startsWith('/') ? link : posix.join(posix.dirname(path), link),
      target,
      hops + 1,
    );
  }
  return copied;
}

/** The Node binary of `nodeImage`, extracted once into the cache folder (keyed by the image ID). */
async function nodeBinary(docker: Docker, nodeImage: string, imageId: string, cacheDir: string): Promise<string> {
  const dir = join(cacheDir, 'node', sha256(imageId).slice(0, 16));
  const target = join(dir, 'node');
  if (
    await stat(target).then(
      (s) => s.size > 0,
      () => false,
    )
  )
    return target;
  await mkdir(dir, { recursive: true });
  const partial = `${target}.part`;
  const container = await docker.createContainer({
    Image: imageId,
    Cmd: ['true'],
    Labels: { 'org.batch-runner.probe': 'true' },
  });
  try {
    for (const path of NODE_PATHS) {
      if (await copyFileOut(container, path, partial)) {
        await rename(partial, target);
        return target;
      }
    }
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
    await rm(partial, { force: true });
  }
  throw new SubmitError(
    'runtime',
    `The image "${nodeImage}" (setting awsBatch.runtimeNodeImage) has no Node.js binary at ${NODE_PATHS.join(' or ')}. Set awsBatch.runtimeNodeImage to an official Node.js image such as ${DEFAULT_NODE_IMAGE}.`,
  );
}

/**
 * Refuses a awsBatch.runtimeNodeImage whose Node.js is older than the runtime's (a `node:20` left in
 * the settings). Checked once per image ID: the answer is kept beside the extracted binary.
 */
async function checkNodeImage(
  docker: Docker,
  nodeImage: string,
  imageId: string,
  cacheDir: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const dir = join(cacheDir, 'node', sha256(imageId).slice(0, 16));
  const marker = join(dir, `major-ok-${MIN_NODE_MAJOR}`);
  if (
    await stat(marker).then(
      () => true,
      () => false,
    )
  )
    return;
  const major = await nodeMajorIn(docker, imageId, signal);
  if (signal?.aborted) throw cancelled();
  if (major !== undefined && major < MIN_NODE_MAJOR) {
    throw new SubmitError(
      'runtime',
      `The image "${nodeImage}" (setting awsBatch.runtimeNodeImage) has Node.js ${major}; the runtime needs Node.js ${MIN_NODE_MAJOR} or newer. ` +
        `Set awsBatch.runtimeNodeImage to ${DEFAULT_NODE_IMAGE} (or another Node.js ${MIN_NODE_MAJOR}+ image for your base), or clear it to use that default.`,
    );
  }
  // An image whose node does not run here (no shell, another libc) is judged later, in the built image.
  if (major !== undefined) {
    await mkdir(dir, { recursive: true });
    await writeFile(marker, String(major));
  }
}

interface LayerFile {
  name: string;
  size: number;
  mode: number;
  open: () => Readable;
}

const block = (size: number) => Math.ceil(size / 512) * 512;

/** Size of the tar that writeLayerTar produces (headers, padded contents, end marker). */
function layerTarSize(files: LayerFile[], dirs: string[]): number {
  return dirs.length * 512 + files.reduce((sum, file) => sum + 512 + block(file.size), 0) + 1024;
}

function layerTar(files: LayerFile[], dirs: string[]): Readable {
  const tar = pack();
  const header = { mtime: FIXED_TIME, uid: 0, gid: 0, uname: 'root', gname: 'root' };
  (async () => {
    for (const dir of dirs) tar.entry({ ...header, name: dir, type: 'directory', mode: 0o755 });
    for (const file of files) {
      await new Promise<void>((resolve, reject) => {
        const sink = tar.entry(
          { ...header, name: file.name, type: 'file', mode: file.mode, size: file.size },
          (error) => (error ? reject(error) : resolve()),
        );
        file.open().pipe(sink);
      });
    }
    tar.finalize();
  })().catch((error: unknown) => tar.destroy(error as Error));
  return tar as unknown as Readable;
}

/** The build context of the runtime layer: a Dockerfile and the layer tar, streamed. */
function layerContext(dockerfile: string, files: LayerFile[]): Readable {
  const dirs = ['opt/', 'opt/batch-runner/'];
  const outer = pack();
  (async () => {
    outer.entry({ name: 'Dockerfile', mode: 0o644, mtime: FIXED_TIME }, dockerfile);
    await new Promise<void>((resolve, reject) => {
      const sink = outer.entry(
        { name: LAYER_FILE, mode: 0o644, mtime: FIXED_TIME, size: layerTarSize(files, dirs) },
        (error) => (error ? reject(error) : resolve()),
      );
      layerTar(files, dirs).pipe(sink);
    });
    outer.finalize();
  })().catch((error: unknown) => outer.destroy(error as Error));
  return outer as unknown as Readable;
}

/**
 * Adds the runtime layer to the user's image (or finds the image that already has it) and tags
 * it `<repository>:<content tag>` and `<repository>:latest` locally.
 */
export async function addRuntimeLayer(docker: Docker, request: RuntimeLayerRequest): Promise<RuntimeImage> {
  const { signal } = request;
  const log = request.log ?? (() => undefined);
  const status = request.onStatus ?? (() => undefined);
  const runtimeSha = await fileSha256(request.runtimePath).catch(() => {
    throw new SubmitError(
      'runtime',
      `The bundled runtime ${request.runtimePath} is missing. Reinstall the extension (developers: npm run build).`,
    );
  });
  const nodeImageId = (await inspectImage(docker, request.nodeImage))?.Id ?? 'absent';
  const key = sha256(
    JSON.stringify([RECIPE, request.baseImageId, request.platform, runtimeSha, request.nodeImage, nodeImageId]),
  );
  const contentTag = key.slice(0, 16);
  const ref = `${request.repository}:${contentTag}`;

  const existing = await inspectImage(docker, ref);
  const existingLabels = existing?.Config?.Labels ?? {};
  if (existing && existingLabels[LABELS.key] === key && existingLabels[LABELS.node]) {
    log(`Runtime layer: reusing ${ref} (same image, runtime and Node.js source)`);
    await docker.getImage(existing.Id).tag({ repo: request.repository, tag: 'latest' });
    return { imageId: existing.Id, ref, contentTag, node: existingLabels[LABELS.node], reused: true };
  }

  const runnable = platformRuns(request.platform, request.engine);
  status('Runtime layer: looking for Node.js in the image');
  const ownMajor = runnable ? await nodeMajorIn(docker, request.baseImageId, signal) : undefined;
  if (signal?.aborted) throw cancelled();
  const files: LayerFile[] = [];
  let node: string;
  if (ownMajor !== undefined && ownMajor >= MIN_NODE_MAJOR) {
    node = 'node';
    log(`Runtime layer: the image has Node.js ${ownMajor}; the runtime runs on it`);
  } else {
    node = BUNDLED_NODE;
    log(
      ownMajor === undefined
        ? `Runtime layer: the image has no Node.js; adding the one from ${request.nodeImage}`
        : `Runtime layer: the image's Node.js ${ownMajor} is older than ${MIN_NODE_MAJOR}; adding the one from ${request.nodeImage}`,
    );
    status(`Runtime layer: Node.js from ${request.nodeImage}`);
    const nodeId = await ensureImage(docker, request.nodeImage, signal, log);
    if (runnable) await checkNodeImage(docker, request.nodeImage, nodeId, request.cacheDir, signal);
    const binary = await nodeBinary(docker, request.nodeImage, nodeId, request.cacheDir);
    const size = (await stat(binary)).size;
    files.push({ name: BUNDLED_NODE.slice(1), size, mode: 0o755, open: () => createReadStream(binary) });
  }
  const runtime = await readFile(request.runtimePath);
  files.push({
    name: RUNTIME_SCRIPT.slice(1),
    size: runtime.length,
    mode: 0o644,
    open: () => Readable.from([runtime]),
  });

  // The image's own ENTRYPOINT (conda, tini, a venv wrapper...) stays: the job's command, and so the
  // manager, the workers and every task command, run through it, as `docker run IMAGE CMD` would.
  // An entry point that does not run the command it is given (checked below) is dropped.
  const base = await inspectImage(docker, request.baseImageId);
  const declared = base?.Config?.Entrypoint as string[] | string | null | undefined;
  // The shell form (a string) ignores the command it is given: the probe below drops it.
  const entrypoint = Array.isArray(declared) ? declared : declared ? ['/bin/sh', '-c', declared] : [];
  // BuildKit where the engine has it (the classic builder is deprecated; buildImage falls back to it
  // only without BuildKit), FROM a temporary tag of the base: BuildKit cannot start FROM an image ID.
  const baseRef = `${LAYER_BASE_REPO}:${key.slice(0, 16)}`;
  const layerDockerfile = (keepEntrypoint: boolean) =>
    [
      `FROM ${baseRef}`,
      `ADD ${LAYER_FILE} /`,
      ...(keepEntrypoint ? [] : ['ENTRYPOINT []']),
      `CMD ${JSON.stringify([node, RUNTIME_SCRIPT, '--help'])}`,
      `LABEL ${LABELS.key}="${key}" ${LABELS.node}="${node}" ${LABELS.runtime}="${runtimeSha}"`,
      '',
    ].join('\n');
  const buildLayer = async (keepEntrypoint: boolean) => {
    const context = new PassThrough();
    layerContext(layerDockerfile(keepEntrypoint), files)
      .on('error', (error) => context.destroy(error))
      .pipe(context);
    return buildImage(docker, {
      context,
      dockerfile: 'Dockerfile',
      platform: request.platform,
      env: request.env,
      signal,
      log: (line) => log(`[runtime layer] ${line}`),
    });
  };
  status('Runtime layer: building');
  await docker.getImage(request.baseImageId).tag({ repo: LAYER_BASE_REPO, tag: key.slice(0, 16) });
  try {
    return await finishLayer();
  } finally {
    // The user's image keeps a name of its own, <repository>:without-runtime (never pushed), so that
    // dropping the temporary name does not delete it: BuildKit's images do not hold their parent.
    await docker
      .getImage(request.baseImageId)
      .tag({ repo: request.repository, tag: WITHOUT_RUNTIME_TAG })
      .catch(() => undefined);
    await docker
      .getImage(baseRef)
      .remove({ noprune: true })
      .catch(() => undefined);
  }

  async function finishLayer(): Promise<RuntimeImage> {
    let built = await buildLayer(entrypoint.length > 0);
    if (entrypoint.length > 0 && runnable) {
      status("Runtime layer: checking that the image's ENTRYPOINT runs the runtime");
      const through = await runOnce(docker, built.imageId, entrypoint, [node, RUNTIME_SCRIPT, '--version'], signal);
      if (through && through.exitCode === 0 && /\d+\.\d+/.test(through.output)) {
        log(
          `Runtime layer: the image's ENTRYPOINT ${JSON.stringify(entrypoint)} is kept; the job's command runs through it`,
        );
      } else {
        log(
          `Runtime layer: the image's ENTRYPOINT ${JSON.stringify(entrypoint)} does not run the command it is given (exit ${through?.exitCode ?? 'none'}); the runtime starts without it`,
        );
        built = await buildLayer(false);
      }
    }

    if (runnable) {
      status('Runtime layer: checking that the runtime starts in the image');
      const check = await runOnce(docker, built.imageId, [node], [RUNTIME_SCRIPT, '--version'], signal);
      if (!check || check.exitCode !== 0) {
        const output = check?.output.trim().split('\n').slice(-3).join(' ') ?? 'the container did not start';
        throw new SubmitError(
          'runtime',
          `The runtime does not start in your image (${output}). ` +
            (node === BUNDLED_NODE
              ? `The Node.js binary from ${request.nodeImage} needs glibc and libstdc++: base your image on Debian, Ubuntu or another glibc distribution, install Node.js ${MIN_NODE_MAJOR}+ in it, or set awsBatch.runtimeNodeImage to a Node.js image built for your base (e.g. node:${MIN_NODE_MAJOR}-alpine for Alpine).`
              : `The image's own "node" failed; install Node.js ${MIN_NODE_MAJOR}+ properly in the image.`),
        );
      }
      log(`Runtime layer: ${check.output.trim().split('\n')[0]} starts with ${node}`);
    }
    // Tag only after the check, so a broken image is never reused by its content tag.
    const image = docker.getImage(built.imageId);
    await image.tag({ repo: request.repository, tag: contentTag });
    await image.tag({ repo: request.repository, tag: 'latest' });
    return { imageId: built.imageId, ref, contentTag, node, reused: false };
  }
}
