// Workers as local processes of this machine (`local` runs and tests). Each gets its own loopback
// address on Linux (127.0.0.2, 127.0.0.3, ...), so cluster commands on different workers can listen
// on the same port the way they would on separate hosts.
import { spawn, type ChildProcess } from 'node:child_process';
import { formatHostPort } from '../address';
import type { Log } from '../log';
import type { LaunchStatus, Launcher, WorkerUsage } from './launcher';

export function loopbackFor(index: number): string {
  if (process.platform !== 'linux') return '127.0.0.1';
  const n = index + 2;
  return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

export class ProcessLauncher implements Launcher {
  readonly pollMs = 250;
  private readonly children: ChildProcess[] = [];
  /** When each child was started and (once it has) exited, by the clock. */
  private readonly times: { startedAt: number; exitedAt?: number }[] = [];

  constructor(
    /** argv that starts the runtime: [node, /path/to/runtime.js]. */
    private readonly runtime: string[],
    private readonly storeUri: string,
    private readonly log: Log,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly now: () => number = Date.now,
  ) {}

  async launch(count: number, manager: { host: string; port: number }): Promise<void> {
    for (let i = 0; i < count; i++) {
      const args = [...this.runtime.slice(1), 'worker', '--manager', formatHostPort(manager.host, manager.port)];
      const child = spawn(this.runtime[0], [...args, '--index', String(i)], {
        env: {
          ...this.env,
          BATCH_RUNNER_RUN_URI: this.storeUri,
          BATCH_RUNNER_ADVERTISE_ADDRESS: loopbackFor(i),
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      const times: { startedAt: number; exitedAt?: number } = { startedAt: this.now() };
      child.on('error', (error) => {
        times.exitedAt ??= this.now();
        this.log(`worker ${i} could not start: ${error.message}`);
      });
      child.on('exit', (code, signal) => {
        times.exitedAt ??= this.now();
        this.log(`worker ${i} (pid ${child.pid}) exited: ${signal ?? code}`);
      });
      this.children.push(child);
      this.times.push(times);
      this.log(`started worker ${i} (pid ${child.pid})`);
    }
  }

  ids(): string[] {
    return this.children.map((_, i) => `local-${i}`);
  }

  async status(): Promise<LaunchStatus> {
    const finished = this.children.filter((c) => !alive(c)).length;
    return { total: this.children.length, pending: 0, running: this.children.length - finished, finished };
  }

  async terminate(ids: string[]): Promise<void> {
    for (const id of ids) {
      const child = this.children[Number(id.replace('local-', ''))];
      if (child && alive(child)) child.kill('SIGTERM');
    }
  }

  async stopAll(_reason: string, _leaving: Set<string>, graceMs: number): Promise<void> {
    // Every worker gets the grace period, connected or not: one still connecting is told to exit
    // by the manager (which keeps listening), one that cannot connect exits on its own.
    const live = () => this.children.filter(alive);
    if (!(await waitFor(() => live().length === 0, graceMs))) {
      for (const child of live()) child.kill('SIGTERM');
      if (!(await waitFor(() => live().length === 0, 5000))) for (const child of live()) child.kill('SIGKILL');
      await waitFor(() => live().length === 0, 5000);
    }
  }

  describe(): Record<string, unknown> {
    return { launcher: 'processes', pids: this.children.map((c) => c.pid) };
  }

  workerJobId(): undefined {
    return undefined;
  }

  usage(now = this.now()): WorkerUsage {
    let ms = 0;
    for (const { startedAt, exitedAt } of this.times) ms += Math.max(0, (exitedAt ?? now) - startedAt);
    return { workerSeconds: ms / 1000 };
  }
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

async function waitFor(done: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
