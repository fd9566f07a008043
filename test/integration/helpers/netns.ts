// Hosts of their own for the runtime's tests: each host is a network namespace (`ip netns add`) with
// one end of a veth pair, the other end in a bridge inside a "switch" namespace that has no address.
// The hosts share a /24 of the test's choosing and have no other route, so what one says to another
// crosses the bridge and nothing leaves them. remove() ends every process still in one of the
// namespaces (by PID: whatever runs in them was started by the test) and deletes them, which takes
// the veth pairs, the bridge and any firewall rule with them. Needs root and iproute2.
import { spawn, spawnSync } from 'node:child_process';
import { RUNTIME, isAlive, trackPid, waitUntil } from '../runtimeSupport';

export function sh(args: string[]): string {
  const out = spawnSync(args[0], args.slice(1), { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`${args.join(' ')}: ${out.error?.message ?? (out.stderr || out.stdout)}`);
  return out.stdout;
}

export function inNs(ns: string, args: string[]): string {
  return sh(['ip', 'netns', 'exec', ns, ...args]);
}

/** Why this machine cannot give a test namespaces (and the `commands` it needs), or undefined when it can. */
export function whyNoNamespaces(tag: string, commands: string[] = []): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  const probe = `br-probe-${tag}`;
  const made = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (made.status !== 0) return `\`ip netns add\` failed: ${made.error?.message ?? made.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  for (const command of commands) {
    if (spawnSync(command, ['--version']).status !== 0) return `${command} does not run here`;
  }
  return undefined;
}

export interface Host {
  name: string;
  ns: string;
  address: string;
  /** The host's interface (its end of the veth pair). */
  link: string;
}

export class Lan {
  readonly subnet: string;
  readonly hosts: Host[];
  private readonly switchNs: string;

  /** Hosts named `names` get .1, .2, ... of 10.231.<third>.0/24; `tag` keeps names apart between runs. */
  constructor(
    readonly tag: string,
    names: string[],
  ) {
    const third = 16 + (parseInt(tag.slice(0, 2), 16) % 200);
    this.subnet = `10.231.${third}.0/24`;
    this.switchNs = `br-sw-${tag}`;
    this.hosts = names.map((name, i) => ({
      name,
      ns: `br-${name}-${tag}`,
      address: `10.231.${third}.${i + 1}`,
      link: `v${i}${tag}`,
    }));
  }

  host(name: string): Host {
    const host = this.hosts.find((h) => h.name === name);
    if (!host) throw new Error(`no host ${name}`);
    return host;
  }

  create(): void {
    sh(['ip', 'netns', 'add', this.switchNs]);
    inNs(this.switchNs, ['ip', 'link', 'add', 'switch', 'type', 'bridge']);
    inNs(this.switchNs, ['ip', 'link', 'set', 'switch', 'up']);
    this.hosts.forEach((host, i) => {
      const port = `s${i}${this.tag}`;
      sh(['ip', 'netns', 'add', host.ns]);
      sh([
        'ip',
        'link',
        'add',
        host.link,
        'netns',
        host.ns,
        'type',
        'veth',
        'peer',
        'name',
        port,
        'netns',
        this.switchNs,
      ]);
      inNs(this.switchNs, ['ip', 'link', 'set', port, 'master', 'switch', 'up']);
      inNs(host.ns, ['ip', 'link', 'set', 'lo', 'up']);
      inNs(host.ns, ['ip', 'addr', 'add', `${host.address}/24`, 'dev', host.link]);
      inNs(host.ns, ['ip', 'link', 'set', host.link, 'up']);
    });
  }

  /** PIDs of the processes in the hosts' namespaces. */
  pids(): number[] {
    return this.hosts.flatMap((host) => {
      const out = spawnSync('ip', ['netns', 'pids', host.ns], { encoding: 'utf8' });
      return out.status === 0 ? out.stdout.split('\n').filter(Boolean).map(Number) : [];
    });
  }

  /** Ends what still runs in the namespaces, then deletes them; safe to call when create() failed half-way. */
  async remove(): Promise<void> {
    const pids = this.pids();
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await waitUntil('processes in the namespaces to end', () => pids.every((pid) => !isAlive(pid)), 5000).catch(
      () => undefined,
    );
    for (const ns of [...this.hosts.map((h) => h.ns), this.switchNs]) spawnSync('ip', ['netns', 'del', ns]);
  }
}

export interface Proc {
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
}

/** For a runtime in a namespace: nothing there answers the ECS metadata endpoint; the interfaces decide. */
export const HOST_ENV = {
  ECS_CONTAINER_METADATA_URI_V4: '',
  BATCH_RUNNER_ADVERTISE_ADDRESS: '',
  BATCH_RUNNER_BIND_ADDRESS: '',
};

/** `node dist/runtime.js ...` inside a namespace; its PID is tracked so cleanUp ends it. */
export function runtimeIn(ns: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Proc {
  // `ip netns exec` execs the command: the PID is node's.
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, RUNTIME, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackPid(child.pid!);
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    output: () => text,
    exited,
    async waitFor(pattern, ms = 20_000) {
      await waitUntil(`${pattern}`, () => pattern.test(text), ms).catch((error) => {
        throw new Error(`${(error as Error).message}\n--- output ---\n${text}`);
      });
      return text.match(pattern)!;
    },
  };
}
