// The runtime layer built on the engine (Run Locally): after the user's image, one layer with the
// runtime's files (runtimeFiles.ts), added with ADD of a tar we write with fixed owners and times,
// so it has the same content (and digest) on top of any base. The result is tagged with a content
// hash of its inputs; when an image with that tag exists, nothing is built at all. (Submit appends
// the same files in the registry instead: registryRuntimeLayer.ts.)
import type Docker from 'dockerode';
import { PassThrough, Readable } from 'node:stream';
import { pack } from 'tar-stream';
import type { LineSink } from '../shared/progress';
import { buildImage } from './build';
import { EngineInfo, inspectImage, runOnce } from './engine';
import {
  FIXED_TIME,
  LABELS,
  LAYER_DIRS,
  LayerFile,
  RUNTIME_SCRIPT,
  declaredEntrypoint,
  layerTar,
  layerTarSize,
  runtimeDoesNotStart,
  runtimeFiles,
  runtimeKey,
} from './runtimeFiles';

export { BUNDLED_NODE, LABELS, MIN_NODE_MAJOR, RUNTIME_DIR, RUNTIME_SCRIPT, managerCommand } from './runtimeFiles';

/** Bump when the layer's recipe changes, so old content tags are not reused. */
const RECIPE = 'runtime-layer-2';
const LAYER_FILE = 'batch-runner-runtime.tar';
/** The temporary name of the user's image while the layer is built on it (unique per build). */
const LAYER_BASE_REPO = 'batch-runner-layer-base';
/** The tag the user's image keeps in the run's repository, locally. */
export const WITHOUT_RUNTIME_TAG = 'without-runtime';

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

/** The build context of the runtime layer: a Dockerfile and the layer tar, streamed. */
function layerContext(dockerfile: string, files: LayerFile[]): Readable {
  const dirs = LAYER_DIRS;
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
  const { key, contentTag, runtimeSha } = await runtimeKey(docker, RECIPE, request.baseImageId, request);
  const ref = `${request.repository}:${contentTag}`;

  const existing = await inspectImage(docker, ref);
  const existingLabels = existing?.Config?.Labels ?? {};
  if (existing && existingLabels[LABELS.key] === key && existingLabels[LABELS.node]) {
    log(`Runtime layer: reusing ${ref} (same image, runtime and Node.js source)`);
    await docker.getImage(existing.Id).tag({ repo: request.repository, tag: 'latest' });
    return { imageId: existing.Id, ref, contentTag, node: existingLabels[LABELS.node], reused: true };
  }

  const decided = await runtimeFiles(docker, request.baseImageId, request);
  const { node, runnable } = decided;
  const files: LayerFile[] = [
    ...(decided.nodeFile ? [decided.nodeFile] : []),
    decided.runtimeFile,
    ...(decided.spawnFile ? [decided.spawnFile] : []),
  ];

  // The image's own ENTRYPOINT (conda, tini, a venv wrapper...) stays: the job's command, and so the
  // manager, the workers and every task command, run through it, as `docker run IMAGE CMD` would.
  // An entry point that does not run the command it is given (checked below) is dropped.
  const entrypoint = declaredEntrypoint(await inspectImage(docker, request.baseImageId));
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
        throw runtimeDoesNotStart(output, node, request.nodeImage);
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
