// Talking to the Docker engine: is it there, what does it run on, and small helpers shared by the
// build, runtime-layer and push steps. Takes a dockerode instance; never creates one.
import type Docker from 'dockerode';
import { SubmitError, cancelled } from '../shared/errors';
import { type DiscoveryInput, type EngineEndpoint, EngineDiscoveryError, discoverEngine } from './discovery';

export interface EngineInfo {
  /** Docker's architecture name: amd64, arm64... */
  arch: string;
  os: string;
  version: string;
  /** API version, "1.41". */
  apiVersion?: string;
  /** "Docker 20.10.24 via the default socket /var/run/docker.sock": the first line of the build channel. */
  summary: string;
}

/** How each client was found (Services.docker() tells), for messages that name it. */
const endpoints = new WeakMap<object, EngineEndpoint>();

/** Records how the engine of this client was found (discoverEngine), for the messages. */
export function rememberEndpoint(docker: Docker, endpoint: EngineEndpoint): void {
  endpoints.set(docker, endpoint);
}

export function endpointOf(docker: Docker): EngineEndpoint | undefined {
  return endpoints.get(docker);
}

/**
 * A client for the engine the docker CLI would use (discoverEngine), reusing `previous` while the
 * endpoint is the same. A broken context or DOCKER_HOST is a SubmitError('docker') naming it.
 */
export function connectEngine(
  DockerClass: new (options?: Docker.DockerOptions) => Docker,
  input: DiscoveryInput = {},
  previous?: Docker,
): Docker {
  let endpoint: EngineEndpoint;
  try {
    endpoint = discoverEngine(input);
  } catch (error) {
    if (error instanceof EngineDiscoveryError) throw new SubmitError('docker', error.message);
    throw error;
  }
  const before = previous && endpoints.get(previous);
  if (previous && before && before.address === endpoint.address && before.via === endpoint.via) return previous;
  const docker = new DockerClass(endpoint.options as Docker.DockerOptions);
  endpoints.set(docker, endpoint);
  return docker;
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

function codeOf(error: unknown): string | undefined {
  const err = error as { code?: string; cause?: { code?: string }; errors?: { code?: string }[] } | undefined;
  return err?.code ?? err?.cause?.code ?? err?.errors?.[0]?.code;
}

export function isEngineUnreachable(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && (UNREACHABLE.has(code) || code === 'EACCES');
}

function where(docker: Docker): string {
  const endpoint = endpoints.get(docker);
  if (endpoint) return `${endpoint.address} (${endpoint.via})`;
  const modem = docker.modem as {
    socketPath?: unknown;
    socketPathCache?: unknown;
    host?: string;
    port?: string | number;
  };
  // docker-modem keeps a function (find the default socket) as socketPath when DOCKER_HOST is unset.
  if (typeof modem.socketPathCache === 'string') return modem.socketPathCache;
  if (typeof modem.socketPath === 'string') return modem.socketPath;
  if (modem.socketPath) return 'the default Docker socket';
  return modem.host ? `${modem.host}${modem.port ? `:${modem.port}` : ''}` : 'the Docker engine';
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\])$/i;

/**
 * Where the engine is on another machine (tcp:// or ssh:// to a host that is not this one), its
 * containers cannot see this machine's files: Run Locally's bind mounts would name paths there.
 * The address (for the message) when remote, else undefined.
 */
export function remoteEngine(docker: Docker): string | undefined {
  const modem = docker.modem as { socketPath?: unknown; host?: string; protocol?: string };
  if (modem.socketPath || !modem.host || LOOPBACK.test(modem.host)) return undefined;
  return where(docker);
}

/** The message for "cannot talk to Docker", naming the address, what was tried and the fix. */
export function engineUnavailable(docker: Docker, error: unknown): SubmitError {
  const code = codeOf(error) ?? 'no answer';
  if (code === 'EACCES') {
    return new SubmitError(
      'docker',
      `Permission denied on the Docker socket ${where(docker)}. Add your user to the "docker" group (then sign out and in), or start VS Code as a user that may use Docker.`,
    );
  }
  const tried = endpoints.get(docker)?.tried ?? [];
  const lookedAt = tried.length ? ` Looked at: ${tried.join('; ')}.` : '';
  return new SubmitError(
    'docker',
    `Docker is not running or cannot be reached at ${where(docker)} (${code}).${lookedAt} Start Docker (Docker Desktop, Colima, or "sudo systemctl start docker"), select its context ("docker context use NAME"), or set DOCKER_HOST, then try again.`,
  );
}

/** Pings the engine; a SubmitError('docker') names the fix when it is not there (or does not answer in time). */
export async function checkEngine(docker: Docker, signal?: AbortSignal, timeoutMs = 10_000): Promise<EngineInfo> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const version = (await (docker.version as (options: object) => Promise<unknown>).call(docker, {
      abortSignal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    })) as { Arch?: string; Os?: string; Version?: string; ApiVersion?: string };
    const endpoint = endpoints.get(docker);
    const number = version.Version ?? '?';
    return {
      arch: version.Arch ?? 'amd64',
      os: version.Os ?? 'linux',
      version: number,
      apiVersion: version.ApiVersion,
      summary: `Docker ${number} via ${endpoint ? endpoint.via : where(docker)}`,
    };
  } catch (error) {
    if (signal?.aborted) throw cancelled();
    throw engineUnavailable(docker, timeout.aborted ? { code: `no answer in ${timeoutMs / 1000} s` } : error);
  }
}

/** Image inspection, or undefined when the engine has no such image. */
export async function inspectImage(docker: Docker, name: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(name).inspect();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    if (isEngineUnreachable(error)) throw engineUnavailable(docker, error);
    throw error;
  }
}

/** Splits a name such as "127.0.0.1:5000/repo:tag" into repository and tag (default "latest"). */
export function splitReference(ref: string): { repo: string; tag: string } {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref, tag: 'latest' };
}

export interface RunOutput {
  exitCode: number;
  output: string;
}

/**
 * Runs a short command in a container of `image` (no network, removed afterwards) and returns its
 * exit code and output; undefined when the container cannot start (e.g. the program is missing).
 * `files` the image does not have yet: a tar unpacked at / before the start, or read-only bind
 * mounts ("host path:container path:ro") when the engine shares this machine's files.
 */
export async function runOnce(
  docker: Docker,
  image: string,
  entrypoint: string[],
  cmd: string[],
  signal?: AbortSignal,
  files: { archive?: () => NodeJS.ReadableStream; binds?: string[] } = {},
): Promise<RunOutput | undefined> {
  const container = await docker.createContainer({
    Image: image,
    Entrypoint: entrypoint,
    Cmd: cmd,
    Tty: true,
    HostConfig: { NetworkMode: 'none', ...(files.binds ? { Binds: files.binds } : {}) },
    Labels: { 'org.batch-runner.probe': 'true' },
  });
  try {
    if (files.archive) await container.putArchive(files.archive(), { path: '/' });
    try {
      await container.start();
    } catch {
      return undefined;
    }
    const waited = container.wait() as Promise<{ StatusCode: number }>;
    const timeout = new Promise<never>((_, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out')), 60_000);
      waited.finally(() => clearTimeout(timer)).catch(() => undefined);
      signal?.addEventListener('abort', () => reject(cancelled()), { once: true });
    });
    const { StatusCode } = await Promise.race([waited, timeout]);
    const logs = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    return { exitCode: StatusCode, output: logs.toString('utf8') };
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}
