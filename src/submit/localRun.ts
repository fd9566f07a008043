// Run Locally: the image Submit would push, run on this machine's Docker engine as a manager
// container and N worker containers on a network of the run's own, with the environment AWS Batch
// gives its jobs and the run folder (<workspace>/.batch-runner/runs/<runId>/, the same layout as the
// run's S3 prefix) bind-mounted. Nothing here calls AWS. No vscode: the command, the Runs view and
// the output channel stand on this API.
//
// Whatever happens (a build that fails, a container that cannot start, a cancel, the end of the
// run), every container, network and anonymous volume of the run is removed again.
import type Docker from 'dockerode';
import type { ECRClient } from '@aws-sdk/client-ecr';
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { LoadedConfig } from '../config/loadConfig';
import { newRunId } from '../config/runSpec';
import { checkEngine, engineUnavailable, isEngineUnreachable, remoteEngine } from '../docker/engine';
import type { PullCredentials } from '../docker/credentials';
import { OWN_FOLDER, buildRunImage, localRepository, type RunImage } from '../docker/runImage';
import type { RunSummary } from '../runtime/runFiles';
import { KEYS } from '../runtime/store/store';
import { SubmitError, cancelled, isCancellation, isUserError, throwIfCancelled } from '../shared/errors';
import type { ProgressReporter } from '../shared/progress';
import { baseImageCredentials } from './baseImageSignIn';
import {
  LOCAL_LABELS,
  type EngineFacts,
  type LocalLogSource,
  type LocalRunChoices,
  localContainerSpecs,
  localRunSpec,
  localWorkerCount,
  smokeIndexes,
} from './localSpec';

export type { LocalLogSource } from './localSpec';

/** Where local runs live inside the workspace folder (git-ignored). */
export const LOCAL_RUNS_DIR = join(OWN_FOLDER, 'runs');

export interface LocalRunOptions extends LocalRunChoices {
  docker: Docker;
  loaded: LoadedConfig;
  /** The bundled runtime (dist/runtime.js). */
  runtimePath: string;
  /** awsBatch.runtimeNodeImage */
  runtimeNodeImage: string;
  /** Where the extracted Node binary is kept between builds (the same as Submit's). */
  cacheDir: string;
  /** Every line: the build and the extension's own steps ('setup'), then each container's output. */
  log?: (line: string, source: LocalLogSource) => void;
  progress?: ProgressReporter;
  /** Aborts the start; once the run is up, aborting cancels it (as cancel()). */
  signal?: AbortSignal;
  /** Extra environment for every container (e.g. the runtime's BATCH_RUNNER_* tunables). */
  environment?: Record<string, string>;
  /** Cores for the default worker count (default: this machine's). */
  cores?: number;
  /** How long workers get to exit on their own after the manager has (default 15 s). */
  shutdownGraceMs?: number;
  /**
   * ECR clients of the user's AWS credentials, for a FROM on an ECR registry (asked for only then;
   * without it, or when it fails, such pulls use ~/.docker/config.json's credentials alone).
   */
  ecrIn?: () => Promise<(region: string) => ECRClient>;
}

export interface LocalRunResult {
  runId: string;
  /** The manager container's exit code (the runtime's exit codes; 137 when it had to be killed). */
  exitCode: number;
  /** summary.json, when the manager wrote one. */
  summary?: RunSummary;
  /** Each worker container's exit code, by index (0: it exited when told to). */
  workers: { index: number; exitCode: number }[];
  /** True when cancel() (or the abort signal) ended the run. */
  cancelled: boolean;
  /** What went wrong outside the runtime's own account (summary.json), e.g. every worker exited early. */
  problem?: string;
}

export interface LocalRun {
  runId: string;
  /** The run folder on this machine. */
  runDir: string;
  /** file:// URI of the run folder (ends in "/", as an s3:// run URI does). */
  runUri: string;
  /** The image the containers run (batch-runner-local/<repository>:<content tag>). */
  image: RunImage;
  workers: number;
  /** IDs of the run's containers that still exist (the manager first). */
  containers(): string[];
  /** Settles when the run has ended and every container and the network are gone; never rejects. */
  done: Promise<LocalRunResult>;
  /** Stops the manager with SIGTERM (it writes a cancelled summary), then the workers; removes everything. Idempotent. */
  cancel(): Promise<void>;
}

/** Gives up waiting for a container to stop after this (then it is removed by force). */
const MANAGER_STOP_SECONDS = 30;
const WORKER_STOP_SECONDS = 5;
const LOG_DRAIN_MS = 3000;
/** When every worker has exited and the manager still runs (longer than its wait for late workers), it has nothing left to do. */
const ORPHAN_MANAGER_MS = 20_000;

function dockerMessage(error: unknown): string {
  const json = (error as { json?: { message?: string } }).json;
  return (json?.message ?? (error as Error).message ?? String(error)).trim();
}

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}

/** Adds `*` to <workspace>/.batch-runner/.gitignore, so no run folder is ever committed. */
export async function ensureGitignore(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, '.gitignore');
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) await writeFile(file, '# Run Locally keeps its runs here; none of it belongs in git.\n*\n');
  else if (!text.split(/\r?\n/).some((line) => line.trim() === '*')) {
    await appendFile(file, `${text.endsWith('\n') || text === '' ? '' : '\n'}*\n`);
  }
}

/** Removes every container (with its anonymous volumes) and network labelled with the run's id. */
export async function removeLocalRun(docker: Docker, runId: string): Promise<void> {
  const filters = { label: [`${LOCAL_LABELS.runId}=${runId}`] };
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(
    containers.map((container) =>
      docker
        .getContainer(container.Id)
        .remove({ force: true, v: true })
        .catch((error: unknown) => {
          if (statusOf(error) !== 404 && statusOf(error) !== 409) throw error;
        }),
    ),
  );
  const networks = await docker.listNetworks({ filters });
  for (const network of networks) {
    await docker
      .getNetwork(network.Id)
      .remove()
      .catch((error: unknown) => {
        if (statusOf(error) !== 404) throw error;
      });
  }
}

/** Splits a byte stream into lines for one source; the last partial line is given at the end. */
class LineSplitter extends Writable {
  private partial = '';
  constructor(private readonly sink: (line: string) => void) {
    super();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    const lines = (this.partial + chunk.toString('utf8')).split(/\r?\n/);
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.sink(line);
    callback();
  }
  override _final(callback: () => void): void {
    if (this.partial) this.sink(this.partial);
    this.partial = '';
    callback();
  }
}

async function engineFacts(docker: Docker): Promise<EngineFacts & { rootless: boolean }> {
  const info = (await docker.info()) as {
    NCPU?: number;
    Runtimes?: Record<string, unknown>;
    SecurityOptions?: string[];
  };
  return {
    cpus: info.NCPU ?? cpus().length,
    gpus: Object.keys(info.Runtimes ?? {}).some((name) => name.includes('nvidia')),
    rootless: (info.SecurityOptions ?? []).some((option) => option.includes('rootless')),
  };
}

/** The uid:gid the containers run as: the user's on Linux (not root, not rootless Docker), so the files are theirs. */
function hostUser(rootless: boolean): string | undefined {
  if (process.platform !== 'linux' || rootless || !process.getuid || !process.getgid) return undefined;
  const uid = process.getuid();
  return uid === 0 ? undefined : `${uid}:${process.getgid()}`;
}

interface Started {
  id: string;
  source: LocalLogSource;
  container: Docker.Container;
  index?: number;
  exit?: Promise<number>;
  logs?: Promise<void>;
}

/**
 * Builds the image (as Submit does), writes the run folder and starts the run's containers.
 * Resolves once every container has started; rejects with one UserError (and nothing of the run
 * left on the engine) when it cannot.
 */
/** Base images on ECR signed in with the user's AWS credentials, when the command can give them. */
async function ecrSignIn(
  options: LocalRunOptions,
  log: (line: string) => void,
): Promise<Record<string, PullCredentials> | undefined> {
  const { ecrIn, loaded, signal } = options;
  if (!ecrIn) return undefined;
  try {
    return await baseImageCredentials(loaded, { ecrIn, signal, log });
  } catch (error) {
    if (isCancellation(error)) throw error;
    // The pull then fails with the registry named and the fix, as without AWS credentials.
    log(`Could not sign in to ECR for the base images: ${(error as Error).message}. The build tries without.`);
    return undefined;
  }
}

export async function runLocally(options: LocalRunOptions): Promise<LocalRun> {
  const { docker, loaded, signal } = options;
  const { config } = loaded;
  const log = (line: string, source: LocalLogSource = 'setup') => options.log?.(line, source);
  const progress = (message: string, fraction?: number) => options.progress?.report(message, fraction);

  progress('Checking Docker', 0.01);
  const remote = remoteEngine(docker);
  if (remote) {
    throw new SubmitError(
      'docker',
      `Run Locally mounts this folder and the runtime into its containers, and the Docker engine at ${remote} is on another machine: it cannot see them. ` +
        'Point DOCKER_HOST or the setting awsBatch.docker.host at an engine on this machine (or clear them), or use Submit to Batch.',
    );
  }
  const engine = await checkEngine(docker, signal);
  const facts = await engineFacts(docker).catch((error: unknown) => {
    throw isEngineUnreachable(error) ? engineUnavailable(docker, error) : error;
  });
  // The cheap checks of the choices come before the build.
  smokeIndexes(config, loaded.inputs, options.smoke);
  const workers = localWorkerCount(config, loaded.inputs, options, options.cores ?? cpus().length);
  log(`Docker ${engine.version} (${engine.os}/${engine.arch}); the run uses ${workers} local workers`);

  const registryConfig = await ecrSignIn(options, (line) => log(line));
  throwIfCancelled(signal);
  const image = await buildRunImage(docker, {
    loaded,
    repository: localRepository(config.repository),
    registryConfig,
    engine,
    runtimePath: options.runtimePath,
    nodeImage: options.runtimeNodeImage,
    cacheDir: options.cacheDir,
    signal,
    log: (line) => log(line),
    progress: (message, fraction) => progress(message, 0.05 + 0.75 * fraction),
  });
  throwIfCancelled(signal);

  const runId = newRunId(config.name);
  const runDir = join(loaded.folder, LOCAL_RUNS_DIR, runId);
  const runUri = pathToFileURL(runDir).href + '/';
  const spec = localRunSpec(config, runId, loaded.inputs, workers, options.smoke, options.rerun);
  try {
    await ensureGitignore(join(loaded.folder, OWN_FOLDER));
    await mkdir(runDir, { recursive: true });
    await writeFile(join(runDir, KEYS.spec), `${JSON.stringify(spec, null, 2)}\n`);
    if (loaded.inputs) {
      const lines = loaded.inputs.map((input) => JSON.stringify(input)).join('\n');
      await writeFile(join(runDir, 'inputs.jsonl'), `${lines}\n`);
    }
  } catch (error) {
    await rm(runDir, { recursive: true, force: true }).catch(() => undefined);
    throw new SubmitError(
      'input',
      `The run folder ${runDir} cannot be written (${(error as Error).message}). Run Locally keeps its runs in the workspace folder: make it writable.`,
    );
  }
  log(`Run ${runId}: ${runDir}${spec.tasks?.indexes ? ` (smoke run: tasks 0-${spec.tasks.indexes.length - 1})` : ''}`);

  const specs = localContainerSpecs({
    config,
    runId,
    runDir,
    image: image.ref,
    node: image.node,
    keepEntrypoint: image.keepEntrypoint,
    runtimeMounts: image.mounts,
    workers,
    engine: facts,
    user: hostUser(facts.rootless),
    environment: options.environment,
  });
  for (const note of specs.notes) log(note);

  const started: Started[] = [];
  let step = 'the run network';
  try {
    progress(`Starting the manager and ${workers} workers`, 0.85);
    await docker.createNetwork(specs.network);
    step = 'the manager container';
    const create = async (create: Docker.ContainerCreateOptions, source: LocalLogSource, index?: number) => {
      const container = await docker.createContainer(create);
      started.push({ id: container.id, container, source, index });
    };
    await create(specs.manager, 'manager');
    step = 'a worker container';
    for (const [index, worker] of specs.workers.entries()) await create(worker, `worker ${index}`, index);
    throwIfCancelled(signal);
    const start = async (entry: Started) => {
      await entry.container.start();
      entry.exit = (entry.container.wait() as Promise<{ StatusCode: number }>).then(
        (result) => result.StatusCode,
        () => -1,
      );
      entry.logs = followLogs(docker, entry.container, (line) => log(line, entry.source));
    };
    // The manager first (it creates the run secret the workers wait for), then every worker at once.
    step = 'the manager container';
    await start(started[0]);
    step = 'the worker containers';
    const starts = await Promise.allSettled(started.slice(1).map(start));
    const failed = starts.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (error) {
    await removeLocalRun(docker, runId).catch(() => undefined);
    await rm(runDir, { recursive: true, force: true });
    if (signal?.aborted) throw cancelled();
    if (isUserError(error)) throw error;
    if (isEngineUnreachable(error)) throw engineUnavailable(docker, error);
    throw new SubmitError('docker', `The local run could not start ${step}: ${dockerMessage(error)}.`);
  }
  log(`Started the manager and ${workers} workers (network ${specs.network.Name})`);
  progress(`Running ${runId}`, 1);

  return supervise({ docker, runId, runDir, runUri, image, workers, started, log, signal, options });
}

function followLogs(docker: Docker, container: Docker.Container, sink: (line: string) => void): Promise<void> {
  return (async () => {
    const stream = (await container.logs({
      follow: true,
      stdout: true,
      stderr: true,
    })) as unknown as NodeJS.ReadableStream;
    const out = new LineSplitter(sink);
    const err = new LineSplitter(sink);
    docker.modem.demuxStream(stream, out, err);
    await new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    await Promise.all([new Promise((resolve) => out.end(resolve)), new Promise((resolve) => err.end(resolve))]);
  })().catch(() => undefined);
}

interface Supervised {
  docker: Docker;
  runId: string;
  runDir: string;
  runUri: string;
  image: RunImage;
  workers: number;
  started: Started[];
  log: (line: string, source?: LocalLogSource) => void;
  signal?: AbortSignal;
  options: LocalRunOptions;
}

function bounded<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function stopContainer(entry: Started, seconds: number): Promise<void> {
  await entry.container.stop({ t: seconds }).catch((error: unknown) => {
    // 304: already stopped; 404: already gone.
    if (statusOf(error) !== 304 && statusOf(error) !== 404) throw error;
  });
}

function supervise(run: Supervised): LocalRun {
  const { docker, runId, runDir, started, log } = run;
  const manager = started.find((entry) => entry.source === 'manager')!;
  const workers = started.filter((entry) => entry.source !== 'manager');
  const grace = run.options.shutdownGraceMs ?? 15_000;
  const exitCodes = new Map<Started, number>();
  for (const entry of started) void entry.exit!.then((code) => exitCodes.set(entry, code));
  let removed = false;
  let wasCancelled = false;
  let problem: string | undefined;
  let cancelling: Promise<void> | undefined;

  // A manager that started no workers of its own waits for them forever: when every worker has
  // exited and it still runs, nothing can finish the run.
  void Promise.all(workers.map((entry) => entry.exit)).then(async () => {
    const ended = await bounded(manager.exit!, ORPHAN_MANAGER_MS);
    if (ended === undefined && !wasCancelled) {
      problem = `every worker container exited (exit codes ${workers.map((w) => exitCodes.get(w)).join(', ')}) before the run ended`;
      log(`Run ${runId}: ${problem}; stopping the manager`);
      await stopContainer(manager, MANAGER_STOP_SECONDS).catch(() => undefined);
    }
  });

  const done = (async (): Promise<LocalRunResult> => {
    const exitCode = await manager.exit!;
    // The manager told the workers to shut down: they exit on their own (code 0) unless stuck.
    if ((await bounded(Promise.all(workers.map((entry) => entry.exit)), wasCancelled ? 10_000 : grace)) === undefined) {
      const stuck = workers.filter((entry) => !exitCodes.has(entry));
      log(`${stuck.length} workers did not exit within ${grace / 1000} s of the manager; stopping them`);
      await Promise.all(stuck.map((entry) => stopContainer(entry, WORKER_STOP_SECONDS).catch(() => undefined)));
    }
    await bounded(Promise.all(workers.map((entry) => entry.exit)), (WORKER_STOP_SECONDS + 5) * 1000);
    await bounded(Promise.all(started.map((entry) => entry.logs)), LOG_DRAIN_MS);
    const summary = await readFile(join(runDir, KEYS.summary), 'utf8').then(
      (text) => JSON.parse(text) as RunSummary,
      () => undefined,
    );
    await removeLocalRun(docker, runId).catch((error: unknown) =>
      log(`Could not remove every container of run ${runId}: ${dockerMessage(error)}`),
    );
    removed = true;
    const workerCodes = workers.map((entry) => ({ index: entry.index!, exitCode: exitCodes.get(entry) ?? -1 }));
    log(
      `Run ${runId} ${summary?.status ?? 'ended'} (manager exit code ${exitCode}); removed its containers and network`,
    );
    return { runId, exitCode, summary, workers: workerCodes, cancelled: wasCancelled, problem };
  })().catch(async (error: unknown) => {
    // Never leave the run's containers behind, whatever went wrong while waiting.
    await removeLocalRun(docker, runId).catch(() => undefined);
    removed = true;
    problem = `the run could not be followed to its end: ${dockerMessage(error)}`;
    log(`Run ${runId}: ${problem}`);
    return { runId, exitCode: -1, workers: [], cancelled: wasCancelled, problem };
  });

  const cancel = (): Promise<void> => {
    cancelling ??= (async () => {
      if (removed) return;
      wasCancelled = true;
      log(`Cancelling run ${runId}: stopping the manager`);
      // SIGTERM: the manager writes a cancelled summary.json and tells its workers to shut down.
      await stopContainer(manager, MANAGER_STOP_SECONDS).catch(() => undefined);
      await bounded(done, 20_000);
      if (!removed) {
        await Promise.all(workers.map((entry) => stopContainer(entry, WORKER_STOP_SECONDS).catch(() => undefined)));
        await done;
      }
    })();
    return cancelling;
  };
  const { signal } = run;
  if (signal) {
    const onAbort = () => void cancel();
    if (signal.aborted) onAbort();
    else {
      signal.addEventListener('abort', onAbort, { once: true });
      void done.finally(() => signal.removeEventListener('abort', onAbort));
    }
  }

  return {
    runId,
    runDir,
    runUri: run.runUri,
    image: run.image,
    workers: run.workers,
    containers: () => (removed ? [] : started.map((entry) => entry.id)),
    done,
    cancel,
  };
}
