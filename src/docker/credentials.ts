// Registry credentials for the build's pulls, as the docker CLI keeps them: ~/.docker/config.json
// (DOCKER_CONFIG) `auths`, `credHelpers` (per registry) and `credsStore` (all others), the latter two
// through the docker-credential-<name> helpers on PATH. Values never reach a log line: they go into
// the build request's X-Registry-Config header (classic builder) or the BuildKit session's answer.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dockerConfigDir } from './discovery';
import { ecrDeniedHint, parseEcrHost } from './ecrHost';
import { join } from 'node:path';

export interface PullCredentials {
  username: string;
  password: string;
  /** An identity token (OAuth refresh token) instead of a password. */
  identitytoken?: string;
  serveraddress?: string;
}

interface ConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** Docker Hub's key in config.json, and the names the daemon uses for it. */
export const DOCKER_HUB = 'https://index.docker.io/v1/';
const HUB_NAMES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** "https://ghcr.io/v2/" → "ghcr.io"; every Docker Hub name → "docker.io". */
export function normalizeRegistry(key: string): string {
  const host = key
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  return HUB_NAMES.has(host) ? 'docker.io' : host;
}

/** The registry of an image reference: "127.0.0.1:5000/x:1" → "127.0.0.1:5000", "node:20" → "docker.io". */
export function registryOf(reference: string): string {
  const first = reference.split('/')[0];
  if (reference.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return normalizeRegistry(first);
  }
  return 'docker.io';
}

function substitute(text: string, args: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a, dflt, b) => {
    const value = args[a ?? b];
    return value !== undefined && value !== '' ? value : (dflt ?? '');
  });
}

/** The images a Dockerfile's FROM lines pull (stage names, scratch and --platform left out). */
export function baseImages(dockerfile: string, buildArgs: Record<string, string> = {}): string[] {
  const args: Record<string, string> = {};
  const stages = new Set<string>();
  const images: string[] = [];
  const lines = dockerfile.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  let seenFrom = false;
  for (const raw of lines) {
    const line = raw.trim();
    const arg = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/i.exec(line);
    if (arg && !seenFrom) {
      const value = buildArgs[arg[1]] ?? arg[2]?.replace(/^["']|["']$/g, '');
      if (value !== undefined) args[arg[1]] = value;
      continue;
    }
    const from = /^FROM\s+(.*)$/i.exec(line);
    if (!from) continue;
    seenFrom = true;
    const words = from[1].split(/\s+/).filter((word) => !word.startsWith('--'));
    const image = substitute(words[0] ?? '', { ...args, ...buildArgs });
    if (image && image !== 'scratch' && !stages.has(image.toLowerCase())) images.push(image);
    if (words[1]?.toLowerCase() === 'as' && words[2]) stages.add(words[2].toLowerCase());
  }
  return [...new Set(images)];
}

export type HelperRunner = (helper: string, action: 'get' | 'list', input: string) => Promise<string>;

/** Runs docker-credential-<helper> <action> with `input` on stdin (as the docker CLI does). */
export function runCredentialHelper(env: NodeJS.ProcessEnv = process.env): HelperRunner {
  return (helper, action, input) =>
    new Promise((resolve, reject) => {
      const child = execFile(
        `docker-credential-${helper}`,
        [action],
        { env, timeout: 20_000, maxBuffer: 1 << 20, windowsHide: true },
        (error, stdout) => {
          if (error) {
            // The helper's own words (never the credentials: a failed helper prints no secret).
            const said = String(stdout).trim().split('\n')[0] ?? '';
            reject(new Error(said || (error as Error).message));
          } else {
            resolve(String(stdout));
          }
        },
      );
      child.stdin?.end(input);
    });
}

/** Credentials of config.json for registries, looked up on demand and remembered. */
export class DockerCredentials {
  private readonly cache = new Map<string, Promise<PullCredentials | undefined>>();
  /** Problems met (a helper that failed), in words without secrets, for the build channel. */
  readonly problems: string[] = [];

  constructor(
    private readonly config: ConfigFile,
    private readonly run: HelperRunner,
    /** Where config.json is, for messages. */
    readonly source: string,
  ) {}

  /** Reads DOCKER_CONFIG/config.json (or ~/.docker/config.json); empty when there is none. */
  static load(env: NodeJS.ProcessEnv = process.env, home?: string): DockerCredentials {
    const path = join(dockerConfigDir(env, home), 'config.json');
    let config: ConfigFile;
    try {
      config = JSON.parse(readFileSync(path, 'utf8')) as ConfigFile;
    } catch {
      config = {};
    }
    return new DockerCredentials(config, runCredentialHelper(env), path);
  }

  /** True when config.json names any credentials at all. */
  get empty(): boolean {
    return (
      !this.config.credsStore &&
      !Object.keys(this.config.credHelpers ?? {}).length &&
      !Object.keys(this.config.auths ?? {}).length
    );
  }

  /** The credentials for a registry host ("docker.io" for Docker Hub), or undefined. */
  forRegistry(host: string): Promise<PullCredentials | undefined> {
    const registry = normalizeRegistry(host);
    let found = this.cache.get(registry);
    if (!found) {
      found = this.lookup(registry).catch((error: unknown) => {
        this.problems.push(`The Docker credential helper for ${registry} failed: ${(error as Error).message}`);
        return undefined;
      });
      this.cache.set(registry, found);
    }
    return found;
  }

  private async lookup(registry: string): Promise<PullCredentials | undefined> {
    const helpers = this.config.credHelpers ?? {};
    const helper = Object.entries(helpers).find(([key]) => normalizeRegistry(key) === registry)?.[1];
    if (helper) return this.fromHelper(helper, registry);
    const auth = Object.entries(this.config.auths ?? {}).find(([key]) => normalizeRegistry(key) === registry);
    if (this.config.credsStore) {
      const stored = await this.fromHelper(this.config.credsStore, registry);
      if (stored) return stored;
    }
    if (!auth) return undefined;
    const entry = auth[1];
    let username = entry.username ?? '';
    let password = entry.password ?? '';
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        username = decoded.slice(0, colon);
        password = decoded.slice(colon + 1);
      }
    }
    if (entry.identitytoken)
      return { username, password: '', identitytoken: entry.identitytoken, serveraddress: auth[0] };
    return username || password ? { username, password, serveraddress: auth[0] } : undefined;
  }

  private async fromHelper(helper: string, registry: string): Promise<PullCredentials | undefined> {
    const names =
      registry === 'docker.io' ? [DOCKER_HUB, 'docker.io', 'index.docker.io'] : [registry, `https://${registry}`];
    for (const name of names) {
      let out: string;
      try {
        out = await this.run(helper, 'get', name);
      } catch (error) {
        if (/credentials not found|not found in|no credentials/i.test((error as Error).message)) continue;
        throw error;
      }
      const answer = JSON.parse(out) as { Username?: string; Secret?: string; ServerURL?: string };
      if (!answer.Secret) continue;
      if (answer.Username === '<token>') {
        return { username: '', password: '', identitytoken: answer.Secret, serveraddress: name };
      }
      return { username: answer.Username ?? '', password: answer.Secret, serveraddress: name };
    }
    return undefined;
  }

  /**
   * X-Registry-Config for the classic builder: the credentials of these registries, keyed as the
   * daemon looks them up (Docker Hub under https://index.docker.io/v1/).
   */
  async registryConfig(hosts: string[]): Promise<Record<string, PullCredentials>> {
    const result: Record<string, PullCredentials> = {};
    for (const host of [...new Set(hosts.map(normalizeRegistry))]) {
      const found = await this.forRegistry(host);
      if (found) result[host === 'docker.io' ? DOCKER_HUB : host] = found;
    }
    return result;
  }
}

/** The words for a pull the registry refused, or undefined when the error is something else. */
export function deniedPullHint(error: string, hosts: string[], source: string): string | undefined {
  if (
    !/unauthorized|authentication required|pull access denied|denied|401|403|no basic auth credentials/i.test(error)
  ) {
    return undefined;
  }
  const registries = [...new Set(hosts.map(normalizeRegistry))];
  const named =
    registries.find((host) => error.toLowerCase().includes(host)) ??
    registries.find((host) => host !== 'docker.io') ??
    registries[0];
  if (!named) return undefined;
  const ecr = parseEcrHost(named);
  if (ecr) return ecrDeniedHint(ecr);
  const login = named === 'docker.io' ? 'docker login' : `docker login ${named}`;
  return `The registry ${named} refused to let the build pull its base image. Sign in with "${login}" (the build uses the credentials of ${source}: auths, credsStore and credHelpers), check that the image name is right and that your account may pull it, then try again.`;
}
