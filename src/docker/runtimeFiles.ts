// The runtime's files, shared by the layers appended in the registry (Submit,
// registryRuntimeLayer.ts) and the mounts of Run Locally's containers (runtimeMounts.ts): the
// bundled runtime at /opt/batch-runner/runtime.js, its spawn helper for the image's architecture at
// /opt/batch-runner/spawn (src/runtime/spawn/spawn.c; where the build made none, the workers start
// tasks through bash) and, unless the image already runs Node.js >= 22, a Node binary (taken from a
// Node image, setting awsBatch.runtimeNodeImage) at /opt/batch-runner/node. Tars are written with
// fixed owners and times, so the same files give the same layer (and digest) on top of any base.
import type Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, pack } from 'tar-stream';
import { SubmitError, cancelled } from '../shared/errors';
import type { LineSink } from '../shared/progress';
import type { EngineEvent } from './build';
import { EngineInfo, inspectImage, runOnce } from './engine';
import { DEFAULT_NODE_IMAGE, MIN_NODE_MAJOR } from './runtimeNode';

export { MIN_NODE_MAJOR } from './runtimeNode';

export const RUNTIME_DIR = '/opt/batch-runner';
export const RUNTIME_SCRIPT = `${RUNTIME_DIR}/runtime.js`;
export const BUNDLED_NODE = `${RUNTIME_DIR}/node`;
export const SPAWN_HELPER = `${RUNTIME_DIR}/spawn`;
export const FIXED_TIME = new Date('2024-01-01T00:00:00Z');
const NODE_PATHS = ['/usr/local/bin/node', '/usr/bin/node'];
/** The folders every layer tar starts with. */
export const LAYER_DIRS = ['opt/', 'opt/batch-runner/'];

export const LABELS = {
  key: 'org.batch-runner.content-key',
  node: 'org.batch-runner.node',
  runtime: 'org.batch-runner.runtime-sha256',
} as const;

/** Where the runtime comes from, for both ways of adding the layer. */
export interface RuntimeSource {
  platform: string;
  /** dist/runtime.js */
  runtimePath: string;
  /** Image to copy the Node binary from (awsBatch.runtimeNodeImage). */
  nodeImage: string;
  /** Folder for the extracted Node binary (and the registry path's layer blobs). */
  cacheDir: string;
  engine: EngineInfo;
  signal?: AbortSignal;
  log?: LineSink;
  onStatus?: (message: string) => void;
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

export function platformRuns(platform: string, engine: EngineInfo): boolean {
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

export interface LayerFile {
  name: string;
  size: number;
  mode: number;
  /** Names the content (an image ID, a hash): equal ids, equal bytes. For the layer blobs' cache. */
  id: string;
  /** A file on this machine with these bytes (for bind mounts into probe containers). */
  path: string;
  open: () => Readable;
}

export function layerTar(files: LayerFile[], dirs: string[]): Readable {
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

/** The content key of an image with the runtime on `baseImageId`: equal keys, equal images. */
export async function runtimeKey(
  docker: Docker,
  recipe: string,
  baseImageId: string,
  source: RuntimeSource,
): Promise<{ key: string; contentTag: string; runtimeSha: string }> {
  const runtimeSha = await fileSha256(source.runtimePath).catch(() => {
    throw new SubmitError(
      'runtime',
      `The bundled runtime ${source.runtimePath} is missing. Reinstall the extension (developers: npm run build).`,
    );
  });
  const nodeImageId = (await inspectImage(docker, source.nodeImage))?.Id ?? 'absent';
  const helper = spawnHelperPath(source.runtimePath, source.platform);
  const helperSha = helper ? await fileSha256(helper).catch(() => 'absent') : 'absent';
  const key = sha256(
    JSON.stringify([recipe, baseImageId, source.platform, runtimeSha, helperSha, source.nodeImage, nodeImageId]),
  );
  return { key, contentTag: key.slice(0, 16), runtimeSha };
}

/** runtime.js as a layer file. */
export async function runtimeFileOf(source: RuntimeSource): Promise<LayerFile> {
  const runtime = await readFile(source.runtimePath);
  return {
    name: RUNTIME_SCRIPT.slice(1),
    size: runtime.length,
    mode: 0o644,
    id: `sha256:${sha256(runtime)}`,
    path: source.runtimePath,
    open: () => Readable.from([runtime]),
  };
}

/** Node's name of a platform's architecture (linux/amd64 → x64), for dist/spawn-linux-<arch>. */
function nodeArch(platform: string): string | undefined {
  const [os, arch] = platform.split('/');
  if (os !== 'linux') return undefined;
  return arch === 'amd64' ? 'x64' : arch === 'arm64' ? 'arm64' : undefined;
}

/** The build's spawn helper for the platform (dist/spawn-linux-<arch> beside runtime.js), if there is one. */
export function spawnHelperPath(runtimePath: string, platform: string): string | undefined {
  const arch = nodeArch(platform);
  return arch && join(dirname(runtimePath), `spawn-linux-${arch}`);
}

/** The spawn helper as a layer file; undefined where the build made none for the platform. */
export async function spawnHelperFileOf(
  source: Pick<RuntimeSource, 'runtimePath' | 'platform'>,
): Promise<LayerFile | undefined> {
  const path = spawnHelperPath(source.runtimePath, source.platform);
  const helper = path && (await readFile(path).catch(() => undefined));
  if (!path || !helper) return undefined;
  return {
    name: SPAWN_HELPER.slice(1),
    size: helper.length,
    mode: 0o755,
    id: `sha256:${sha256(helper)}`,
    path,
    open: () => Readable.from([helper]),
  };
}

/** The Node binary of awsBatch.runtimeNodeImage as a layer file (pulled, checked and extracted once). */
export async function bundledNodeFile(docker: Docker, source: RuntimeSource): Promise<LayerFile> {
  const { signal } = source;
  source.onStatus?.(`Runtime layer: Node.js from ${source.nodeImage}`);
  const nodeId = await ensureImage(docker, source.nodeImage, signal, source.log ?? (() => undefined));
  if (platformRuns(source.platform, source.engine)) {
    await checkNodeImage(docker, source.nodeImage, nodeId, source.cacheDir, signal);
  }
  const binary = await nodeBinary(docker, source.nodeImage, nodeId, source.cacheDir);
  const size = (await stat(binary)).size;
  return {
    name: BUNDLED_NODE.slice(1),
    size,
    mode: 0o755,
    id: `node:${nodeId}`,
    path: binary,
    open: () => createReadStream(binary),
  };
}

/** The image's ENTRYPOINT as a list; the shell form (a string) ignores its command, and probes drop it. */
export function declaredEntrypoint(image: Docker.ImageInspectInfo | undefined): string[] {
  const declared = image?.Config?.Entrypoint as string[] | string | null | undefined;
  return Array.isArray(declared) ? declared : declared ? ['/bin/sh', '-c', declared] : [];
}

/** The message for a runtime that does not start in the user's image. */
export function runtimeDoesNotStart(output: string, node: string, nodeImage: string): SubmitError {
  return new SubmitError(
    'runtime',
    `The runtime does not start in your image (${output}). ` +
      (node === BUNDLED_NODE
        ? `The Node.js binary from ${nodeImage} needs glibc and libstdc++: base your image on Debian, Ubuntu or another glibc distribution, install Node.js ${MIN_NODE_MAJOR}+ in it, or set awsBatch.runtimeNodeImage to a Node.js image built for your base (e.g. node:${MIN_NODE_MAJOR}-alpine for Alpine).`
        : `The image's own "node" failed; install Node.js ${MIN_NODE_MAJOR}+ properly in the image.`),
  );
}
