// docker build through dockerode (the engine's classic builder, whose layer cache makes an unchanged
// rebuild take milliseconds): streams the output line by line, reports the current step, and turns a
// failure into a message with the failing step and its last lines.
import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { SubmitError, cancelled } from '../shared/errors';
import type { LineSink, ProgressReporter } from '../shared/progress';
import { type DockerCredentials, type PullCredentials, deniedPullHint, registryOf } from './credentials';
import { engineUnavailable, isEngineUnreachable } from './engine';

/** One JSON message of the engine's build (and push/pull) stream. */
export interface EngineEvent {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { code?: number; message?: string };
  aux?: { ID?: string; Tag?: string; Digest?: string; Size?: number };
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
  signal?: AbortSignal;
  /** Each output line, as the Docker CLI would print it. */
  log?: LineSink;
  /** Gets "Step 3/7 : RUN make" style step descriptions. */
  onStep?: (step: StepInfo) => void;
}

export interface StepInfo {
  index: number;
  total: number;
  /** "RUN make" */
  instruction: string;
}

export interface BuildResult {
  imageId: string;
  steps: number;
  /** Steps that did not run (answered from the layer cache, or FROM). */
  cachedSteps: number;
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

  event(event: EngineEvent): void {
    if (event.stream !== undefined) {
      const text = this.partial + event.stream;
      const lines = text.split(/\r?\n/);
      this.partial = lines.pop() ?? '';
      for (const line of lines) this.line(line);
    }
    if (event.status !== undefined) {
      // Base image pulls during the build.
      this.line(`${event.id ? `${event.id}: ` : ''}${event.status}${event.progress ? ` ${event.progress}` : ''}`);
    }
    if (event.aux?.ID) this.imageId = event.aux.ID;
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

  /** The user-facing error for a failed build: the failing step and the last lines it printed. */
  failure(pulls?: { hosts: string[]; source: string }): SubmitError {
    const where = this.step ? ` at step ${this.step.index}/${this.step.total} (${this.step.instruction})` : '';
    const lines = this.lastLines.filter((line) => !line.startsWith('ERROR: '));
    const stepStart = lines.map((line) => /^Step \d+\/\d+ : /.test(line)).lastIndexOf(true);
    const own = lines
      .slice(stepStart + 1)
      .filter((line) => !line.startsWith(' ---> ') && !line.startsWith('Removing intermediate container'));
    const tail = (own.length ? own : lines).slice(-5);
    const last = tail.length ? ` Last lines:\n${tail.join('\n')}` : '';
    const denied = pulls && this.error ? deniedPullHint(this.error, pulls.hosts, pulls.source) : undefined;
    return new SubmitError(
      'build',
      `The Docker build failed${where}: ${this.error ?? 'no image was produced'}.${denied ? ` ${denied}` : ''}${last}`,
      this.lastLines.slice(),
    );
  }
}

export async function buildImage(docker: Docker, request: BuildRequest): Promise<BuildResult> {
  const { signal } = request;
  if (signal?.aborted) throw cancelled();
  const parser = new BuildStreamParser(request.log, request.onStep);
  const hosts = (request.baseImages ?? []).map(registryOf);
  const credentials = request.pullCredentials;
  const registryConfig = {
    ...(credentials ? await credentials.registryConfig(hosts) : {}),
    ...(request.registryConfig ?? {}),
  };
  for (const problem of credentials?.problems ?? []) request.log?.(problem);
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.buildImage(
      request.context as unknown as NodeJS.ReadableStream,
      {
        dockerfile: request.dockerfile,
        platform: request.platform,
        buildargs: request.buildArgs ?? {},
        labels: request.labels ?? {},
        t: request.tags?.length ? request.tags : undefined,
        rm: true,
        forcerm: true,
        ...(Object.keys(registryConfig).length ? { registryconfig: registryConfig } : {}),
        abortSignal: signal,
      } as Docker.ImageBuildOptions,
    );
  } catch (error) {
    if (signal?.aborted) throw cancelled();
    if (isEngineUnreachable(error)) throw engineUnavailable(docker, error);
    throw new SubmitError('build', `The Docker engine refused the build: ${(error as Error).message}`);
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
  parser.flush();
  if (parser.error !== undefined || !parser.imageId) {
    throw parser.failure({ hosts, source: credentials?.source ?? '~/.docker/config.json' });
  }
  let imageId = parser.imageId;
  if (!imageId.startsWith('sha256:')) imageId = (await docker.getImage(imageId).inspect()).Id;
  return { imageId, steps: parser.steps, cachedSteps: parser.cachedSteps };
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
