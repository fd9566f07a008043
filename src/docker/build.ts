// docker build through dockerode: BuildKit by default (version "2" with a session that answers the
// engine's calls for registry credentials and build secrets, session.ts), the classic builder where
// the engine has no BuildKit. Streams the output line by line as `docker build --progress=plain`
// prints it, reports the current step, and turns a failure into a message with the failing step and
// its last lines.
import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { SubmitError, cancelled } from '../shared/errors';
import type { LineSink, ProgressReporter } from '../shared/progress';
import { type DockerCredentials, type PullCredentials, deniedPullHint, registryOf } from './credentials';
import { type FailedStep, failedLines, parseErrorMessage } from './dockerfileLines';
import { engineUnavailable, isEngineUnreachable } from './engine';
import { type Field, all, bytes, decodeFields, number, text } from './protobuf';
import { type BuildSession, openSession } from './session';

/** One JSON message of the engine's build (and push/pull) stream. */
export interface EngineEvent {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { code?: number; message?: string };
  aux?: { ID?: string; Tag?: string; Digest?: string; Size?: number } | string;
}

/** BuildKit's status traces (moby.buildkit.v1.StatusResponse), the fields shown. */
export interface BuildKitStatus {
  vertexes: { digest: string; name: string; cached: boolean; started?: number; completed?: number; error: string }[];
  statuses: { id: string; vertex: string; name: string; current: number; total: number; completed?: number }[];
  logs: { vertex: string; msg: Buffer }[];
  warnings: { vertex: string; short: string }[];
}

function seconds(message: Buffer | undefined): number | undefined {
  if (!message) return undefined;
  const fields = decodeFields(message);
  return number(fields, 1) + number(fields, 2) / 1e9;
}

/** Decodes the base64 aux of a moby.buildkit.trace message. */
export function decodeBuildKitStatus(aux: string): BuildKitStatus {
  const fields = decodeFields(Buffer.from(aux, 'base64'));
  const each = <T>(field: number, read: (message: Field[]) => T): T[] =>
    all(fields, field).map((message) => read(decodeFields(message)));
  return {
    vertexes: each(1, (v) => ({
      digest: text(v, 1),
      name: text(v, 3),
      cached: number(v, 4) === 1,
      started: seconds(bytes(v, 5)),
      completed: seconds(bytes(v, 6)),
      error: text(v, 7),
    })),
    statuses: each(2, (v) => ({
      id: text(v, 1),
      vertex: text(v, 2),
      name: text(v, 3),
      current: number(v, 4),
      total: number(v, 5),
      completed: seconds(bytes(v, 8)),
    })),
    logs: each(3, (v) => ({ vertex: text(v, 1), msg: bytes(v, 4) ?? Buffer.alloc(0) })),
    warnings: each(4, (v) => ({ vertex: text(v, 1), short: text(v, 3) })),
  };
}

const STEP = /^\[(?:([^\]\s]+) )?(\d+)\/(\d+)\] (.*)$/;

function size(value: number): string {
  if (value < 1e3) return `${value}B`;
  if (value < 1e6) return `${(value / 1e3).toFixed(1)}kB`;
  if (value < 1e9) return `${(value / 1e6).toFixed(1)}MB`;
  return `${(value / 1e9).toFixed(2)}GB`;
}

export interface BuildRequest {
  /** The context tar. */
  context: Readable;
  /** Name of the Dockerfile inside the context. */
  dockerfile: string;
  platform: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  /** Tags to give the result ("repo:tag"). */
  tags?: string[];
  /** Credentials for base images in private registries (X-Registry-Config); never logged. */
  registryConfig?: Record<string, PullCredentials>;
  /** config.json's credentials (auths, credsStore, credHelpers) for the pulls; never logged. */
  pullCredentials?: DockerCredentials;
  /** The images the Dockerfile's FROM lines name (credentials are looked up for their registries). */
  baseImages?: string[];
  /** The stage to build (`target` in aws-batch.json). */
  target?: string;
  /** Images whose layers may answer the build's steps (`cacheFrom`, BuildKit inline cache). */
  cacheFrom?: string[];
  /** Build secrets by id (RUN --mount=type=secret,id=...), read only when the build asks; never logged. */
  secrets?: Map<string, () => Promise<Buffer>>;
  /** "classic" for builds that need no BuildKit feature and FROM an image ID (the runtime layer). */
  builder?: 'auto' | 'classic';
  /** For DOCKER_BUILDKIT=0 (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** A step answered from the cache (BuildKit). */
  onCached?: (step: StepInfo) => void;
  /** Layer pulls and transfers: bytes so far and in all (BuildKit). */
  onPull?: (current: number, total: number) => void;
  signal?: AbortSignal;
  /** Each output line, as the Docker CLI would print it. */
  log?: LineSink;
  /** Gets "Step 3/7 : RUN make" style step descriptions. */
  onStep?: (step: StepInfo) => void;
  /** The Dockerfile on disk: a failed build's error then names the lines of the failing instruction. */
  dockerfileSource?: DockerfileSource;
}

export interface DockerfileSource {
  /** Absolute path (what "Open Dockerfile" opens). */
  path: string;
  text: string;
}

export interface StepInfo {
  index: number;
  total: number;
  /** "RUN make" */
  instruction: string;
  /** BuildKit's stage name ("build" in "[build 2/4] RUN make"); none for a single stage or the classic builder. */
  stage?: string;
}

export interface BuildResult {
  imageId: string;
  steps: number;
  /** Steps that did not run (answered from the layer cache, or FROM). */
  cachedSteps: number;
  builder?: 'buildkit' | 'classic';
}

const KEEP_LINES = 20;

/** Follows an engine build stream: collects lines and steps, resolves with the image ID. */
export class BuildStreamParser {
  private partial = '';
  readonly lastLines: string[] = [];
  step: StepInfo | undefined;
  steps = 0;
  /** Steps answered from the layer cache; FROM steps never are, and count as cached. */
  cachedSteps = 0;
  imageId: string | undefined;
  error: string | undefined;
  /** BuildKit: vertex digest → its number (#N) and what was printed of it. */
  private readonly vertexes = new Map<
    string,
    { n: number; name: string; started: boolean; done: boolean; step?: StepInfo; lines: string[]; partial: string }
  >();
  private readonly statusesDone = new Set<string>();
  /** BuildKit: the step vertices seen (a multi-stage build has several "[1/n]"). */
  private readonly bkSteps = new Set<string>();
  private readonly bkCached = new Set<string>();
  /** BuildKit: the vertex that failed (its step and its own last lines make the message). */
  private failed: { name: string; step?: StepInfo; lines: string[] } | undefined;
  buildKit = false;
  /** Cache hits as they happen, and layer pulls (bytes so far and in all), for the progress. */
  onCached: (step: StepInfo) => void = () => undefined;
  onPull: (current: number, total: number) => void = () => undefined;
  private readonly pulls = new Map<string, { current: number; total: number }>();

  constructor(
    private readonly log: LineSink = () => undefined,
    private readonly onStep: (step: StepInfo) => void = () => undefined,
  ) {}

  private line(text: string): void {
    const line = text.replace(/\s+$/, '');
    if (line === '') return;
    this.log(line);
    this.lastLines.push(line);
    if (this.lastLines.length > KEEP_LINES) this.lastLines.shift();
    const step = /^Step (\d+)\/(\d+) : (.*)$/.exec(line);
    if (step) {
      this.step = { index: Number(step[1]), total: Number(step[2]), instruction: step[3] };
      this.steps = Math.max(this.steps, this.step.index);
      if (/^FROM\s/i.test(this.step.instruction)) this.cachedSteps++;
      this.onStep(this.step);
    } else if (/^ ---> Using cache$/.test(line)) {
      this.cachedSteps++;
    } else {
      const built = /^Successfully built ([0-9a-f]{12,64})$/.exec(line);
      if (built && !this.imageId) this.imageId = built[1];
    }
  }

  private vertex(digest: string, name?: string) {
    let entry = this.vertexes.get(digest);
    if (!entry) {
      entry = { n: this.vertexes.size + 1, name: name ?? digest, started: false, done: false, lines: [], partial: '' };
      this.vertexes.set(digest, entry);
    }
    if (name) entry.name = name;
    return entry;
  }

  /** One BuildKit status trace: printed as `docker build --progress=plain` does. */
  buildKitStatus(status: BuildKitStatus): void {
    this.buildKit = true;
    for (const v of status.vertexes) {
      const entry = this.vertex(v.digest, v.name);
      const match = STEP.exec(v.name);
      if (match && !entry.step) {
        entry.step = {
          index: Number(match[2]),
          total: Number(match[3]),
          instruction: match[4],
          ...(match[1] ? { stage: match[1] } : {}),
        };
        this.bkSteps.add(v.digest);
      }
      if ((v.started !== undefined || v.cached) && !entry.started) {
        entry.started = true;
        this.line(`#${entry.n} ${v.name}`);
        if (entry.step) {
          this.step = entry.step;
          this.steps = this.bkSteps.size;
          this.onStep(entry.step);
        }
      }
    }
    for (const s of status.statuses) {
      const entry = this.vertex(s.vertex);
      if (s.total > 0) {
        this.pulls.set(s.id, { current: s.current, total: s.total });
        let current = 0;
        let total = 0;
        for (const pull of this.pulls.values()) {
          current += pull.current;
          total += pull.total;
        }
        this.onPull(current, total);
      }
      if (s.completed !== undefined && !this.statusesDone.has(`${s.vertex} ${s.id}`)) {
        this.statusesDone.add(`${s.vertex} ${s.id}`);
        this.line(`#${entry.n} ${s.id}${s.total > 0 ? ` ${size(s.total)}` : ''} done`);
      }
    }
    for (const log of status.logs) {
      const entry = this.vertex(log.vertex);
      const lines = (entry.partial + log.msg.toString('utf8')).split(/\r?\n/);
      entry.partial = lines.pop() ?? '';
      for (const line of lines) this.vertexLine(entry, line);
    }
    for (const v of status.vertexes) {
      const entry = this.vertex(v.digest, v.name);
      if (v.cached && !entry.done) {
        entry.done = true;
        this.line(`#${entry.n} CACHED`);
        if (entry.step && !this.bkCached.has(v.digest)) {
          this.bkCached.add(v.digest);
          this.onCached(entry.step);
        }
      } else if (v.error && !entry.done) {
        entry.done = true;
        this.flushVertex(entry);
        this.line(`#${entry.n} ERROR: ${v.error}`);
        this.failed ??= { name: v.name, step: entry.step, lines: entry.lines.slice() };
      } else if (v.completed !== undefined && !entry.done) {
        entry.done = true;
        this.flushVertex(entry);
        const took = v.started !== undefined ? ` ${Math.max(0, v.completed - v.started).toFixed(1)}s` : '';
        this.line(`#${entry.n} DONE${took}`);
        // A FROM answers from the image store: counted as cached, as in the classic builder.
        if (entry.step && /^FROM\s/i.test(entry.step.instruction)) this.bkCached.add(v.digest);
      }
    }
    for (const warning of status.warnings) {
      const entry = this.vertex(warning.vertex);
      this.line(`#${entry.n} WARNING: ${warning.short}`);
    }
    this.cachedSteps = this.bkCached.size;
  }

  private vertexLine(entry: { n: number; lines: string[] }, line: string): void {
    const trimmed = line.replace(/\s+$/, '');
    if (trimmed === '') return;
    entry.lines.push(trimmed);
    if (entry.lines.length > KEEP_LINES) entry.lines.shift();
    this.line(`#${entry.n} ${trimmed}`);
  }

  private flushVertex(entry: { n: number; lines: string[]; partial: string }): void {
    if (entry.partial) this.vertexLine(entry, entry.partial);
    entry.partial = '';
  }

  event(event: EngineEvent): void {
    if (event.id === 'moby.buildkit.trace' && typeof event.aux === 'string') {
      this.buildKitStatus(decodeBuildKitStatus(event.aux));
      return;
    }
    if (event.stream !== undefined) {
      const text = this.partial + event.stream;
      const lines = text.split(/\r?\n/);
      this.partial = lines.pop() ?? '';
      for (const line of lines) this.line(line);
    }
    if (event.status !== undefined && event.id !== 'moby.image.id') {
      // Base image pulls during the build.
      this.line(`${event.id ? `${event.id}: ` : ''}${event.status}${event.progress ? ` ${event.progress}` : ''}`);
    }
    if (typeof event.aux === 'object' && event.aux.ID) this.imageId = event.aux.ID;
    if (event.error !== undefined || event.errorDetail !== undefined) {
      this.flush();
      this.error = (event.errorDetail?.message ?? event.error ?? 'unknown error').trim();
      this.line(`ERROR: ${this.error}`);
    }
  }

  flush(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
  }

  /** The step the build failed at, as the engine named it (for finding its lines in the Dockerfile). */
  failedStep(): FailedStep {
    const step = this.buildKit ? (this.failed?.step ?? (this.failed ? undefined : this.step)) : this.step;
    return {
      builder: this.buildKit ? 'buildkit' : 'classic',
      ...(step
        ? {
            index: step.index,
            total: step.total,
            instruction: step.instruction,
            ...(step.stage ? { stage: step.stage } : {}),
          }
        : {}),
      ...(this.error !== undefined ? { error: this.error } : {}),
    };
  }

  /**
   * The user-facing error for a failed build: the failing step and the last lines it printed, and
   * with the Dockerfile's text, the lines of the failing instruction (the "Open Dockerfile" button).
   */
  failure(pulls?: { hosts: string[]; source: string }, dockerfile?: DockerfileSource): SubmitError {
    const error = this.message(pulls);
    const found = dockerfile ? failedLines(dockerfile.text, this.failedStep()) : undefined;
    if (!found || !dockerfile) return error;
    return new SubmitError('build', error.message, error.details, { path: dockerfile.path, ...found });
  }

  private message(pulls?: { hosts: string[]; source: string }): SubmitError {
    const unreadable = this.error !== undefined ? parseErrorMessage(this.error) : undefined;
    if (unreadable) return new SubmitError('build', unreadable, this.lastLines.slice());
    const denied = pulls && this.error ? deniedPullHint(this.error, pulls.hosts, pulls.source) : undefined;
    if (this.buildKit) {
      const failed = this.failed;
      const step = failed?.step ?? this.step;
      const at = failed?.step
        ? ` at step ${failed.step.index}/${failed.step.total} (${failed.step.instruction})`
        : failed
          ? ` at ${failed.name}`
          : step
            ? ` at step ${step.index}/${step.total} (${step.instruction})`
            : '';
      const tail = (failed?.lines ?? []).slice(-5);
      const last = tail.length ? ` Last lines:\n${tail.join('\n')}` : '';
      // As the classic builder words it (and the tests and users know it).
      const reason = (this.error ?? 'no image was produced')
        .replace(/^failed to solve( with frontend dockerfile\.v0)?: /, '')
        .replace(
          /^(?:rpc error: code = \w+ desc = )?executor failed running \[(.*)\]: exit code: (\d+)$/s,
          "The command '$1' returned a non-zero code: $2",
        )
        .replace(
          /^process "(.*)" did not complete successfully: exit code: (\d+)$/s,
          "The command '$1' returned a non-zero code: $2",
        );
      return new SubmitError(
        'build',
        `The Docker build failed${at}: ${reason}.${denied ? ` ${denied}` : ''}${last}`,
        this.lastLines.slice(),
      );
    }
    const where = this.step ? ` at step ${this.step.index}/${this.step.total} (${this.step.instruction})` : '';
    const lines = this.lastLines.filter((line) => !line.startsWith('ERROR: '));
    const stepStart = lines.map((line) => /^Step \d+\/\d+ : /.test(line)).lastIndexOf(true);
    const own = lines
      .slice(stepStart + 1)
      .filter((line) => !line.startsWith(' ---> ') && !line.startsWith('Removing intermediate container'));
    const tail = (own.length ? own : lines).slice(-5);
    const last = tail.length ? ` Last lines:\n${tail.join('\n')}` : '';
    return new SubmitError(
      'build',
      `The Docker build failed${where}: ${this.error ?? 'no image was produced'}.${denied ? ` ${denied}` : ''}${last}`,
      this.lastLines.slice(),
    );
  }
}

/** Why an engine builds with the classic builder (undefined: it has BuildKit), per client. */
const classicReasons = new WeakMap<object, Promise<string | undefined>>();
/** Clients already told that they build with the classic builder: said once. */
const toldClassic = new WeakSet<object>();

function classicReason(docker: Docker, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (env.DOCKER_BUILDKIT === '0' || env.DOCKER_BUILDKIT === 'false')
    return Promise.resolve('DOCKER_BUILDKIT=0 is set');
  let reason = classicReasons.get(docker);
  if (!reason) {
    reason = (docker.version() as Promise<{ Os?: string; ApiVersion?: string; Version?: string }>).then(
      (version) => {
        if (version.Os === 'windows') return 'the engine runs Windows containers';
        const [major, minor] = (version.ApiVersion ?? '1.41').split('.').map(Number);
        if (major === 1 && minor < 39) return `Docker ${version.Version ?? ''} is older than 18.09`.replace('  ', ' ');
        return undefined;
      },
      () => undefined,
    );
    classicReasons.set(docker, reason);
  }
  return reason;
}

/** POST /build with the tar as body, without dockerode's own BuildKit session (ours answers secrets too). */
function postBuild(
  docker: Docker,
  context: Readable,
  options: Record<string, unknown>,
  registryConfig: Record<string, PullCredentials> | undefined,
  signal: AbortSignal | undefined,
): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: '/build?',
        method: 'POST',
        file: context,
        options,
        ...(registryConfig && Object.keys(registryConfig).length ? { registryconfig: registryConfig } : {}),
        abortSignal: signal,
        isStream: true,
        statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
      } as Parameters<Docker['modem']['dial']>[0],
      (error: Error | null, stream: unknown) => (error ? reject(error) : resolve(stream as NodeJS.ReadableStream)),
    );
  });
}

export async function buildImage(docker: Docker, request: BuildRequest): Promise<BuildResult> {
  try {
    return await build(docker, request);
  } finally {
    // A build refused before the engine read the context: stop packing it.
    if (!request.context.readableEnded) request.context.destroy();
  }
}

async function build(docker: Docker, request: BuildRequest): Promise<BuildResult> {
  const { signal } = request;
  if (signal?.aborted) throw cancelled();
  const log = request.log ?? (() => undefined);
  const parser = new BuildStreamParser(request.log, request.onStep);
  if (request.onCached) parser.onCached = request.onCached;
  if (request.onPull) parser.onPull = request.onPull;
  const hosts = [...(request.baseImages ?? []), ...(request.cacheFrom ?? [])].map(registryOf);
  const credentials = request.pullCredentials;
  const secrets = request.secrets ?? new Map<string, () => Promise<Buffer>>();

  let session: BuildSession | undefined;
  let classic = request.builder === 'classic' ? 'requested' : await classicReason(docker, request.env ?? process.env);
  if (!classic) {
    try {
      session = await openSession(docker, {
        credentials: async (host) => {
          const explicit = request.registryConfig?.[host];
          if (explicit) return explicit;
          return credentials ? credentials.forRegistry(host) : undefined;
        },
        secrets,
      });
    } catch (error) {
      if (signal?.aborted) throw cancelled();
      if (isEngineUnreachable(error)) throw engineUnavailable(docker, error);
      classic = `its BuildKit session failed: ${(error as Error).message.trim()}`;
    }
  }
  if (classic && request.builder !== 'classic') {
    if (secrets.size) {
      throw new SubmitError(
        'build',
        `Build secrets ("secrets" in aws-batch.json) need BuildKit, and this engine builds with the classic builder (${classic}). Use Docker 18.09 or later on Linux, or remove the secrets.`,
      );
    }
    if (!toldClassic.has(docker)) {
      toldClassic.add(docker);
      log(
        `BuildKit is not available (${classic}): building with the classic builder, without RUN --mount, heredocs or COPY --chmod.`,
      );
    }
  }

  const registryConfig = classic
    ? { ...(credentials ? await credentials.registryConfig(hosts) : {}), ...(request.registryConfig ?? {}) }
    : undefined;
  for (const problem of credentials?.problems ?? []) log(problem);
  const buildArgs = { ...(request.buildArgs ?? {}) };
  // An image built with the inline cache can serve as cacheFrom of a later build (BuildKit).
  if (!classic && request.cacheFrom?.length) buildArgs.BUILDKIT_INLINE_CACHE ??= '1';
  const options: Record<string, unknown> = {
    dockerfile: request.dockerfile,
    platform: request.platform,
    buildargs: JSON.stringify(buildArgs),
    labels: JSON.stringify(request.labels ?? {}),
    ...(request.tags?.length ? { t: request.tags } : {}),
    ...(request.target ? { target: request.target } : {}),
    ...(request.cacheFrom?.length ? { cachefrom: JSON.stringify(request.cacheFrom) } : {}),
    ...(classic ? { rm: true, forcerm: true } : { version: '2', session: session?.id }),
  };

  try {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await postBuild(docker, request.context, options, registryConfig, signal);
    } catch (error) {
      if (signal?.aborted) throw cancelled();
      if (isEngineUnreachable(error)) throw engineUnavailable(docker, error);
      // The classic builder refuses a Dockerfile it cannot parse before any step (HTTP 400).
      const reason = (error as Error).message.trim();
      const source = request.dockerfileSource;
      const found = source ? failedLines(source.text, { builder: 'classic', error: reason }) : undefined;
      throw new SubmitError(
        'build',
        parseErrorMessage(reason) ?? `The Docker engine refused the build: ${reason}`,
        [],
        source && found ? { path: source.path, ...found } : undefined,
      );
    }
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (error: Error | null) => (error ? reject(error) : resolve()),
        (event: EngineEvent) => parser.event(event),
      );
      signal?.addEventListener('abort', () => reject(cancelled()), { once: true });
    }).catch((error: unknown) => {
      if (signal?.aborted) throw cancelled();
      if (error instanceof SubmitError) throw error;
      parser.error ??= (error as Error).message;
    });
  } finally {
    session?.close();
  }
  parser.flush();
  if (parser.error !== undefined || !parser.imageId) {
    const missing = session?.missingSecrets ?? [];
    if (missing.length) {
      throw new SubmitError(
        'build',
        `The Dockerfile mounts the build secret "${missing[0]}", which aws-batch.json does not define: add { "id": "${missing[0]}", "src": "path/to/file" } (or "env": "VARIABLE") to "secrets".`,
        parser.lastLines.slice(),
      );
    }
    throw parser.failure({ hosts, source: credentials?.source ?? '~/.docker/config.json' }, request.dockerfileSource);
  }
  let imageId = parser.imageId;
  if (!imageId.startsWith('sha256:')) imageId = (await docker.getImage(imageId).inspect()).Id;
  return { imageId, steps: parser.steps, cachedSteps: parser.cachedSteps, builder: classic ? 'classic' : 'buildkit' };
}

/** Adapts build steps to a progress reporter, within [from, to] of the whole operation. */
export function stepProgress(progress: ProgressReporter, label: string, from: number, to: number) {
  return (step: StepInfo): void => {
    const instruction = step.instruction.length > 60 ? `${step.instruction.slice(0, 57)}...` : step.instruction;
    progress.report(
      `${label}: step ${step.index}/${step.total} ${instruction}`,
      from + ((to - from) * (step.index - 1)) / step.total,
    );
  };
}
