// Finding the Docker engine as the docker CLI does: DOCKER_HOST, then DOCKER_CONTEXT, then the
// current context of ~/.docker/config.json (its meta.json endpoint), then the platform's default
// sockets (the system socket, Docker Desktop's, rootless Docker's, Colima's, Podman's). Pure: the
// environment, home folder, platform and file system are parameters, so tests use temp folders.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** What dockerode's constructor takes (the subset this extension sets). */
export interface EngineOptions {
  socketPath?: string;
  host?: string;
  port?: number | string;
  protocol?: 'http' | 'https' | 'ssh';
  username?: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  sshOptions?: { agent?: string };
}

export interface EngineEndpoint {
  options: EngineOptions;
  /** How it was found, in words: "context colima", "DOCKER_HOST", "the default socket /var/run/docker.sock". */
  via: string;
  /** The address: "/var/run/docker.sock", "tcp://10.0.0.5:2376", "ssh://me@box". */
  address: string;
  /** What was looked at, in words, for the "not running" message. */
  tried: string[];
}

export interface DiscoveryInput {
  env?: NodeJS.ProcessEnv;
  home?: string;
  platform?: NodeJS.Platform;
  exists?: (path: string) => boolean;
  read?: (path: string) => string;
  /** The awsBatch.docker.host setting: overrides everything when set. */
  hostSetting?: string;
}

/** The docker CLI's config folder: DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  return env.DOCKER_CONFIG?.trim() || join(home, '.docker');
}

/** Turns a docker host URL (unix://, npipe://, tcp://, ssh://, or host:port) into dockerode options. */
export function parseDockerHost(
  host: string,
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; verify?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): EngineOptions {
  const value = host.trim();
  if (value.startsWith('unix://')) return { socketPath: value.slice('unix://'.length) || '/var/run/docker.sock' };
  if (value.startsWith('npipe://')) {
    const pipe = value.slice('npipe://'.length).replace(/^\/\/\.\/pipe\//, '//./pipe/') || '//./pipe/docker_engine';
    return { socketPath: pipe.replace(/\\/g, '/') };
  }
  let url: URL;
  try {
    url = new URL(value.includes('://') ? value : `tcp://${value}`);
  } catch {
    throw new Error(
      `"${host}" is not a Docker host address (unix:///path, tcp://host:port, ssh://user@host, npipe:////./pipe/name)`,
    );
  }
  if (url.protocol === 'ssh:') {
    return {
      protocol: 'ssh',
      host: url.hostname,
      port: url.port || 22,
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      sshOptions: { agent: env.SSH_AUTH_SOCK },
    };
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`"${host}" has the unsupported scheme ${url.protocol.replace(/:$/, '')}`);
  }
  const port = url.port || (url.protocol === 'http:' ? '2375' : url.protocol === 'https:' ? '2376' : '2375');
  const https = url.protocol === 'https:' || port === '2376' || tls?.verify === true || Boolean(tls?.cert);
  return {
    protocol: https ? 'https' : 'http',
    host: url.hostname,
    port,
    ...(tls?.ca ? { ca: tls.ca } : {}),
    ...(tls?.cert ? { cert: tls.cert } : {}),
    ...(tls?.key ? { key: tls.key } : {}),
  };
}

function addressOf(options: EngineOptions): string {
  if (options.socketPath) return options.socketPath;
  if (options.protocol === 'ssh') return `ssh://${options.username ? `${options.username}@` : ''}${options.host}`;
  return `${options.protocol === 'https' ? 'https' : 'tcp'}://${options.host}:${options.port}`;
}

interface ContextMeta {
  Name?: string;
  Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } };
}

/** The socket paths tried when nothing names an engine, first existing wins. */
export function defaultSockets(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, home: string): string[] {
  if (platform === 'win32') return ['//./pipe/docker_engine', '//./pipe/dockerDesktopLinuxEngine'];
  const runtimeDir = env.XDG_RUNTIME_DIR?.trim();
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  return [
    '/var/run/docker.sock',
    join(home, '.docker', 'run', 'docker.sock'), // Docker Desktop (macOS, and Linux 4.x)
    join(home, '.docker', 'desktop', 'docker.sock'), // Docker Desktop for Linux
    ...(runtimeDir ? [join(runtimeDir, 'docker.sock')] : uid !== undefined ? [`/run/user/${uid}/docker.sock`] : []), // rootless
    join(home, '.colima', 'default', 'docker.sock'),
    join(home, '.colima', 'docker.sock'),
    join(home, '.rd', 'docker.sock'), // Rancher Desktop
    join(home, '.orbstack', 'run', 'docker.sock'),
    ...(runtimeDir ? [join(runtimeDir, 'podman', 'podman.sock')] : []),
  ].filter((path, i, all) => all.indexOf(path) === i);
}

/** The context of that name: its endpoint options, or an Error saying what is wrong with it. */
function contextEndpoint(
  name: string,
  configDir: string,
  read: (path: string) => string,
  exists: (path: string) => boolean,
  env: NodeJS.ProcessEnv,
): EngineOptions | Error {
  const id = createHash('sha256').update(name).digest('hex');
  const metaPath = join(configDir, 'contexts', 'meta', id, 'meta.json');
  let meta: ContextMeta;
  try {
    meta = JSON.parse(read(metaPath)) as ContextMeta;
  } catch (error) {
    const code = (error as { code?: string }).code;
    return new Error(
      code === 'ENOENT'
        ? `the Docker context "${name}" does not exist (no ${metaPath})`
        : `the Docker context "${name}" cannot be read (${metaPath}: ${(error as Error).message})`,
    );
  }
  const host = meta.Endpoints?.docker?.Host;
  if (!host) return new Error(`the Docker context "${name}" has no docker endpoint (${metaPath})`);
  const tlsDir = join(configDir, 'contexts', 'tls', id, 'docker');
  const file = (base: string) => (exists(join(tlsDir, base)) ? Buffer.from(read(join(tlsDir, base))) : undefined);
  const tls = { ca: file('ca.pem'), cert: file('cert.pem'), key: file('key.pem') };
  try {
    return parseDockerHost(
      host,
      { ...tls, verify: Boolean(tls.ca) && meta.Endpoints?.docker?.SkipTLSVerify !== true },
      env,
    );
  } catch (error) {
    return new Error(`the Docker context "${name}": ${(error as Error).message}`);
  }
}

export class EngineDiscoveryError extends Error {}

/**
 * The engine the docker CLI would talk to. Throws an EngineDiscoveryError when a named context is
 * missing or broken (as the CLI does), never when nothing is configured: then the first default socket
 * that exists, or the system socket.
 */
export function discoverEngine(input: DiscoveryInput = {}): EngineEndpoint {
  const env = input.env ?? process.env;
  const home = input.home ?? homedir();
  const platform = input.platform ?? process.platform;
  const exists = input.exists ?? existsSync;
  const read = input.read ?? ((path: string) => readFileSync(path, 'utf8'));
  const tried: string[] = [];
  const found = (options: EngineOptions, via: string): EngineEndpoint => ({
    options,
    via,
    address: addressOf(options),
    tried,
  });
  const certs = () => {
    const dir = env.DOCKER_CERT_PATH?.trim();
    if (!dir) return { verify: env.DOCKER_TLS_VERIFY === '1' };
    const file = (base: string) => (exists(join(dir, base)) ? Buffer.from(read(join(dir, base))) : undefined);
    return { ca: file('ca.pem'), cert: file('cert.pem'), key: file('key.pem'), verify: env.DOCKER_TLS_VERIFY === '1' };
  };

  const setting = input.hostSetting?.trim();
  if (setting) {
    try {
      return found(parseDockerHost(setting, certs(), env), 'the setting awsBatch.docker.host');
    } catch (error) {
      throw new EngineDiscoveryError(`The setting awsBatch.docker.host: ${(error as Error).message}.`);
    }
  }
  const dockerHost = env.DOCKER_HOST?.trim();
  if (dockerHost) {
    try {
      return found(parseDockerHost(dockerHost, certs(), env), 'DOCKER_HOST');
    } catch (error) {
      throw new EngineDiscoveryError(`DOCKER_HOST: ${(error as Error).message}.`);
    }
  }
  tried.push('DOCKER_HOST is not set');

  const configDir = dockerConfigDir(env, home);
  const useContext = (name: string, source: string): EngineEndpoint | undefined => {
    if (name === 'default') return undefined;
    const endpoint = contextEndpoint(name, configDir, read, exists, env);
    if (endpoint instanceof Error) {
      throw new EngineDiscoveryError(
        `${source} selects ${endpoint.message}. Run "docker context ls" to see the contexts.`,
      );
    }
    return found(endpoint, `context ${name}`);
  };
  const envContext = env.DOCKER_CONTEXT?.trim();
  if (envContext) {
    const endpoint = useContext(envContext, 'DOCKER_CONTEXT');
    if (endpoint) return endpoint;
    tried.push('DOCKER_CONTEXT is "default"');
  } else {
    tried.push('DOCKER_CONTEXT is not set');
    const configPath = join(configDir, 'config.json');
    let current: string | undefined;
    try {
      current = (JSON.parse(read(configPath)) as { currentContext?: string }).currentContext?.trim() || undefined;
    } catch {
      current = undefined;
    }
    if (current) {
      const endpoint = useContext(current, `The current Docker context (${configPath})`);
      if (endpoint) return endpoint;
    }
    tried.push(`no Docker context is selected in ${configPath}`);
  }

  const sockets = defaultSockets(platform, env, home);
  const socket = sockets.find((path) => exists(path));
  if (socket) return found({ socketPath: socket }, `the default socket ${socket}`);
  tried.push(`none of the sockets ${sockets.join(', ')} exists`);
  return found({ socketPath: sockets[0] }, `the default socket ${sockets[0]}`);
}
