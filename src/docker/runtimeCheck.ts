// How the runtime will start in the user's image, decided before any layer is built or appended:
// by running the runtime in containers of the image with the layer's files in them (read-only bind
// mounts where the engine shares this machine's files, else copied in), one container for most
// images (`runtime.js probe` on the bundled Node, which also reports the image's own Node.js).
// Shared by Submit (registryRuntimeLayer.ts) and Run Locally (runtimeMounts.ts), so both decide the
// same way: the image's own Node.js 22+ or the bundled one, and whether the ENTRYPOINT stays.
import type Docker from 'dockerode';
import { SubmitError, cancelled } from '../shared/errors';
import { RunOutput, inspectImage, runOnce } from './engine';
import {
  BUNDLED_NODE,
  LAYER_DIRS,
  LayerFile,
  MIN_NODE_MAJOR,
  RUNTIME_SCRIPT,
  RuntimeSource,
  bundledNodeFile,
  declaredEntrypoint,
  layerTar,
  platformRuns,
  runtimeDoesNotStart,
  runtimeFileOf,
  spawnHelperFileOf,
} from './runtimeFiles';

/** The files a runtime layer may hold; which of them it does is checkRuntime's decision. */
export interface CandidateFiles {
  runtimeFile: LayerFile;
  /** The spawn helper for the image's architecture, where the build made one. */
  spawnFile?: LayerFile;
  /** The Node binary of awsBatch.runtimeNodeImage; undefined when that image cannot be had. */
  nodeFile?: LayerFile;
  /** Why there is no nodeFile: thrown unless the image's own Node.js runs the runtime. */
  nodeUnavailable?: SubmitError;
}

export async function candidateFiles(docker: Docker, source: RuntimeSource): Promise<CandidateFiles> {
  const runtimeFile = await runtimeFileOf(source);
  const spawnFile = await spawnHelperFileOf(source);
  try {
    return { runtimeFile, spawnFile, nodeFile: await bundledNodeFile(docker, source) };
  } catch (error) {
    // Without the Node image (offline, its registry out of reach) an image with its own Node.js 22+
    // still runs the runtime, as it did before the Node image was ever needed: checkRuntime decides.
    if (!(error instanceof SubmitError) || source.signal?.aborted || !platformRuns(source.platform, source.engine)) {
      throw error;
    }
    return { runtimeFile, spawnFile, nodeUnavailable: error };
  }
}

/** "aws-batch-runner runtime 0.1.0": the runtime started. */
const runsTheRuntime = (out: RunOutput) => out.exitCode === 0 && /runtime \d+\.\d+/.test(out.output);

/** The image's own Node.js major from `runtime.js probe` ("node on PATH: 22.1.0", src/runtime/probe.ts). */
function pathNodeMajor(out: RunOutput): number | undefined {
  const major = /node on PATH: (\d+)\./.exec(out.output)?.[1];
  return major === undefined ? undefined : Number(major);
}

/** Whether the engine sees this machine's files (a local socket, not tcp:// or ssh://). */
function sharesFiles(docker: Docker): boolean {
  const modem = docker.modem as { socketPath?: unknown; host?: unknown; protocol?: unknown };
  return Boolean(modem.socketPath) && !modem.host && modem.protocol !== 'ssh';
}

export async function checkRuntime(
  docker: Docker,
  baseImageId: string,
  files: CandidateFiles,
  source: RuntimeSource,
): Promise<{ node: string; keepEntrypoint: boolean }> {
  const { signal } = source;
  const log = source.log ?? (() => undefined);
  const entrypoint = declaredEntrypoint(await inspectImage(docker, baseImageId));
  // Not runnable here (another platform): nothing can be checked; the runtime gets its own Node and
  // the ENTRYPOINT stays, as docker run would keep it.
  if (!platformRuns(source.platform, source.engine)) {
    log(
      `Runtime layer: ${source.platform} images cannot run on this engine; adding Node.js from ${source.nodeImage} unchecked`,
    );
    return { node: BUNDLED_NODE, keepEntrypoint: entrypoint.length > 0 };
  }
  // Read-only bind mounts of the files where the engine shares this machine's (a local socket):
  // nothing copied. A success proves the files start there; anything else (a mount the engine
  // refuses, a remote engine) is decided by the files copied into the container, as the layer has them.
  const probe = async (entry: string[], cmd: string[], layerFiles: LayerFile[]) => {
    if (sharesFiles(docker)) {
      const binds = layerFiles.map((file) => `${file.path}:/${file.name}:ro`);
      const quick = await runOnce(docker, baseImageId, entry, cmd, signal, { binds }).catch(() => undefined);
      if (quick && runsTheRuntime(quick)) return quick;
      if (signal?.aborted) throw cancelled();
    }
    const copied = await runOnce(docker, baseImageId, entry, cmd, signal, {
      archive: () => layerTar(layerFiles, LAYER_DIRS),
    });
    if (signal?.aborted) throw cancelled();
    return copied;
  };
  const started = (out: RunOutput | undefined): out is RunOutput => out !== undefined && runsTheRuntime(out);
  /** The runtime on the image's own `node`, through the ENTRYPOINT or without it. */
  const onOwnNode = (throughEntrypoint: boolean) =>
    throughEntrypoint
      ? probe(entrypoint, ['node', RUNTIME_SCRIPT, '--version'], [files.runtimeFile])
      : probe(['node'], [RUNTIME_SCRIPT, '--version'], [files.runtimeFile]);
  const kept = () =>
    log(
      `Runtime layer: the image's ENTRYPOINT ${JSON.stringify(entrypoint)} is kept; the job's command runs through it`,
    );
  const dropped = (through: RunOutput | undefined) =>
    log(
      `Runtime layer: the image's ENTRYPOINT ${JSON.stringify(entrypoint)} does not run the command it is given (exit ${through?.exitCode ?? 'none'}); the runtime starts without it`,
    );

  source.onStatus?.('Runtime layer: checking that the runtime starts in the image');
  // 1. The bundled Node, through the ENTRYPOINT first: one container tells whether the runtime
  //    starts and which Node.js the image has on its PATH.
  let keepEntrypoint = false;
  let report: RunOutput | undefined;
  if (files.nodeFile) {
    const both = [files.nodeFile, files.runtimeFile];
    let through: RunOutput | undefined;
    if (entrypoint.length > 0) {
      through = await probe(entrypoint, [BUNDLED_NODE, RUNTIME_SCRIPT, 'probe'], both);
      keepEntrypoint = started(through);
    }
    report = keepEntrypoint ? through : await probe([BUNDLED_NODE], [RUNTIME_SCRIPT, 'probe'], both);
    if (keepEntrypoint) kept();
    // Only once the runtime starts without it is it the ENTRYPOINT that does not run its command.
    else if (entrypoint.length > 0 && started(report)) dropped(through);
  }
  const major = started(report) ? pathNodeMajor(report) : undefined;
  const reported = report?.output;

  // 2. The image's own Node.js where it is new enough: nothing to add, and it is the one the
  //    image's authors chose (built for its libc). Checked too, through the ENTRYPOINT if it stays.
  if (major !== undefined && major >= MIN_NODE_MAJOR && started(await onOwnNode(keepEntrypoint))) {
    log(`Runtime layer: the image has Node.js ${major}; the runtime runs on it`);
    return { node: 'node', keepEntrypoint };
  }
  if (started(report)) {
    log(
      major === undefined
        ? `Runtime layer: the image has no Node.js; adding the one from ${source.nodeImage}`
        : major < MIN_NODE_MAJOR
          ? `Runtime layer: the image's Node.js ${major} is older than ${MIN_NODE_MAJOR}; adding the one from ${source.nodeImage}`
          : `Runtime layer: the image's Node.js ${major} does not run the runtime; adding the one from ${source.nodeImage}`,
    );
    log(`Runtime layer: ${report.output.trim().split('\n')[0]} starts with ${BUNDLED_NODE}`);
    return { node: BUNDLED_NODE, keepEntrypoint };
  }

  // 3. The bundled Node does not start here (Alpine's musl, say), or there is no Node image to
  //    take it from: the image's own may, through the ENTRYPOINT if that runs its command.
  for (const throughEntrypoint of entrypoint.length > 0 ? [true, false] : [false]) {
    const mine = await onOwnNode(throughEntrypoint);
    if (!started(mine)) continue;
    if (throughEntrypoint) kept();
    else if (entrypoint.length > 0) dropped(undefined);
    log(
      files.nodeFile
        ? `Runtime layer: the Node.js from ${source.nodeImage} does not start in the image; the runtime runs on the image's own node`
        : `Runtime layer: the runtime runs on the image's own node (${source.nodeImage} is not available: ${files.nodeUnavailable?.message ?? ''})`,
    );
    return { node: 'node', keepEntrypoint: throughEntrypoint };
  }
  if (files.nodeUnavailable) throw files.nodeUnavailable;
  const output = reported?.trim().split('\n').slice(-3).join(' ') ?? 'the container did not start';
  throw runtimeDoesNotStart(output, BUNDLED_NODE, source.nodeImage);
}
