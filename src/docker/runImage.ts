// The image a run runs: the workspace Dockerfile built with dockerode (.dockerignore honoured), and
// the runtime. Submit and Run Locally build the user's image through the same function
// (buildWorkspaceImage), so they share the layer cache; Run Locally mounts the runtime's files into
// its containers (buildRunImage, runtimeMounts.ts), Submit appends them in the registry as layers
// (registryRuntimeLayer.ts).
import type Docker from 'dockerode';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { BuildSecret } from '../config/runConfig';
import { SubmitError } from '../shared/errors';
import type { LoadedConfig } from '../config/loadConfig';
import type { LineSink } from '../shared/progress';
import { readFile } from 'node:fs/promises';
import { buildImage, stepProgress } from './build';
import { DockerCredentials, type PullCredentials, baseImages } from './credentials';
import { listBuildContext, packBuildContext } from './context';
import type { EngineInfo } from './engine';
import { runtimeMounts, type RuntimeMount } from './runtimeMounts';

/** The repository of local runs' images: no registry host, so nothing is ever pushed by mistake. */
export const LOCAL_REPOSITORY_PREFIX = 'batch-runner-local/';

export function localRepository(repository: string): string {
  return `${LOCAL_REPOSITORY_PREFIX}${repository}`;
}

export interface RunImageRequest {
  loaded: LoadedConfig;
  /** "host/repository" (Submit) or batch-runner-local/<repository> (Run Locally); tagged :<content tag> and :latest. */
  repository: string;
  engine: EngineInfo;
  /** The bundled runtime (dist/runtime.js). */
  runtimePath: string;
  /** awsBatch.runtimeNodeImage */
  nodeImage: string;
  /** Where the extracted Node binary is kept between builds. */
  cacheDir: string;
  /** Credentials for base images in private registries (X-Registry-Config); never logged. */
  registryConfig?: Record<string, PullCredentials>;
  /** config.json's registry credentials for the base images' pulls (default: DOCKER_CONFIG or ~/.docker). */
  pullCredentials?: DockerCredentials;
  signal?: AbortSignal;
  log?: LineSink;
  /** `fraction` is how far the image step is (0..1). */
  progress?: (message: string, fraction: number) => void;
}

export interface BuildStats {
  steps: number;
  cachedSteps: number;
  files: number;
  bytes: number;
  excluded: number;
}

export interface RunImage {
  /** repository:contentTag */
  ref: string;
  imageId: string;
  contentTag: string;
  /** How the containers start the runtime: "node" (the image's own) or /opt/batch-runner/node. */
  node: string;
  /** False: the containers drop the image's ENTRYPOINT (it does not run the command it is given). */
  keepEntrypoint: boolean;
  /** The runtime's files, bind-mounted read-only into each container (runtimeMounts.ts). */
  mounts: RuntimeMount[];
  build: BuildStats;
  /** How the runtime starts was known from an earlier run of the same image (no container ran). */
  runtimeCheckReused: boolean;
}

export function kilobytes(bytes: number): string {
  return bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

/** The extension's folder in the workspace (Run Locally's runs), as a path inside the build context. */
export const OWN_FOLDER = '.batch-runner';

function ownFolders(loaded: LoadedConfig): string[] {
  const path = relative(loaded.contextDir, join(loaded.folder, OWN_FOLDER));
  if (path.startsWith('..') || isAbsolute(path)) return [];
  return [path.split(sep).join('/')];
}

/**
 * The build secrets of aws-batch.json as the session serves them: each read when the build asks
 * (a missing file or variable fails the build with its name, never with a value).
 */
export function secretSources(
  secrets: BuildSecret[],
  folder: string,
  env: NodeJS.ProcessEnv = process.env,
): Map<string, () => Promise<Buffer>> {
  const sources = new Map<string, () => Promise<Buffer>>();
  for (const secret of secrets) {
    if (secret.env !== undefined) {
      const name = secret.env;
      if (env[name] === undefined) {
        throw new SubmitError(
          'config',
          `The build secret "${secret.id}" comes from the environment variable ${name}, which is not set. Set it where VS Code starts (or use "src" with a file), then try again.`,
        );
      }
      sources.set(secret.id, async () => Buffer.from(env[name] ?? '', 'utf8'));
    } else {
      const path = resolve(folder, secret.src ?? '');
      sources.set(secret.id, () =>
        readFile(path).catch((error: NodeJS.ErrnoException) => {
          throw new SubmitError(
            'config',
            `The build secret "${secret.id}" reads ${path}, which cannot be read (${error.code ?? error.message}).`,
          );
        }),
      );
    }
  }
  return sources;
}

/** Share of the image step the user's build takes; the runtime layer gets the rest. */
const BUILD_SHARE = 8 / 9;

export interface WorkspaceImage {
  imageId: string;
  build: BuildStats;
}

/** The workspace's Dockerfile built as it is; `progress` runs 0..1 over the build. */
export async function buildWorkspaceImage(
  docker: Docker,
  request: Omit<RunImageRequest, 'repository' | 'runtimePath' | 'nodeImage' | 'cacheDir'>,
): Promise<WorkspaceImage> {
  const { loaded, signal } = request;
  const { config } = loaded;
  const log = request.log ?? (() => undefined);
  const progress = request.progress ?? (() => undefined);

  log(request.engine.summary);
  const context = await listBuildContext(loaded.contextDir, loaded.dockerfilePath, ownFolders(loaded));
  log(
    `Build context ${loaded.contextDir}: ${context.files} files, ${kilobytes(context.bytes)}` +
      (context.excluded ? `, ${context.excluded} excluded by .dockerignore` : ''),
  );
  progress('Building the image', 0);
  const dockerfileText = await readFile(loaded.dockerfilePath, 'utf8').catch(() => '');
  let cacheHits = 0;
  let current: { index: number; total: number; instruction: string } | undefined;
  const onStep = stepProgress({ report: (message, fraction) => progress(message, fraction ?? 0) }, 'Building', 0, 1);
  const built = await buildImage(docker, {
    target: config.target,
    cacheFrom: config.cacheFrom,
    secrets: secretSources(config.secrets ?? [], loaded.folder),
    onCached: (step) => {
      cacheHits++;
      progress(
        `Building: step ${step.index}/${step.total} from cache (${cacheHits} cached so far)`,
        step.index / step.total,
      );
    },
    onPull: (done, total) => {
      if (current && total > 0) {
        progress(
          `Building: step ${current.index}/${current.total}: pulling ${kilobytes(done)} of ${kilobytes(total)}`,
          (current.index - 1) / current.total,
        );
      }
    },
    baseImages: baseImages(dockerfileText, config.buildArgs),
    pullCredentials: request.pullCredentials ?? DockerCredentials.load(),
    context: packBuildContext(context),
    ...(dockerfileText ? { dockerfileSource: { path: loaded.dockerfilePath, text: dockerfileText } } : {}),
    dockerfile: context.dockerfile,
    platform: config.platform,
    buildArgs: config.buildArgs,
    registryConfig: request.registryConfig,
    signal,
    log,
    onStep: (step) => {
      current = step;
      onStep(step);
    },
  });
  log(
    `Built ${built.imageId.slice(7, 19)}${built.builder === 'classic' ? ' (classic builder)' : ' (BuildKit)'}: ${built.steps} steps, ` +
      (built.cachedSteps === built.steps ? 'all from cache' : `${built.steps - built.cachedSteps} run`),
  );

  return {
    imageId: built.imageId,
    build: {
      steps: built.steps,
      cachedSteps: built.cachedSteps,
      files: context.files,
      bytes: context.bytes,
      excluded: context.excluded,
    },
  };
}

/** The workspace image with the runtime layer built on top, on the engine (Run Locally). */
export async function buildRunImage(docker: Docker, request: RunImageRequest): Promise<RunImage> {
  const { loaded, signal } = request;
  const { config } = loaded;
  const log = request.log ?? (() => undefined);
  const progress = request.progress ?? (() => undefined);
  const built = await buildWorkspaceImage(docker, {
    ...request,
    progress: (message, fraction) => progress(message, BUILD_SHARE * fraction),
  });
  progress('Checking that the runtime starts in the image', BUILD_SHARE);
  const runtime = await runtimeMounts(docker, built.imageId, {
    platform: config.platform,
    runtimePath: request.runtimePath,
    nodeImage: request.nodeImage,
    cacheDir: request.cacheDir,
    engine: request.engine,
    signal,
    log,
    onStatus: (message) => progress(message, 1),
  });
  // The image keeps names of its own in the local repository: <content tag> and latest.
  const image = docker.getImage(built.imageId);
  await image.tag({ repo: request.repository, tag: runtime.contentTag });
  await image.tag({ repo: request.repository, tag: 'latest' });
  return {
    ref: `${request.repository}:${runtime.contentTag}`,
    imageId: built.imageId,
    contentTag: runtime.contentTag,
    node: runtime.node,
    keepEntrypoint: runtime.keepEntrypoint,
    mounts: runtime.mounts,
    build: built.build,
    runtimeCheckReused: runtime.reused,
  };
}
