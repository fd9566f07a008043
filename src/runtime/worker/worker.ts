// The worker: connects to its manager (retrying with backoff), asks for tasks when it has free
// slots, runs them, uploads their outputs and reports. It exits when the manager says so, and on
// its own when it has not heard from the manager for the manager timeout, stopping everything it
// started: a lost manager never leaves a paid container running.
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../exitCodes';
import { describeError, type Log } from '../log';
import type { WorkerIdentity } from '../protocol/auth';
import { MAX_FRAME_BYTES, asToWorker, type Assign, type Result, type Start } from '../protocol/messages';
import { describeOutcome, formatSeconds, startCommand, stopAll, type Running } from '../processes';
import type { Settings } from '../settings';
import { readSecret } from '../store/secret';
import type { RunStore } from '../store/store';
import { LineTail, cutToBytes, forwardLines } from './lines';
import { connectToManager, type Link } from './link';
import { collectOutputs } from './outputs';

export interface WorkerOptions {
  host: string;
  port: number;
  store: RunStore;
  identity: WorkerIdentity;
  settings: Settings;
  log: Log;
  /** Benchmarks: finish every task at once without running its command. */
  noop?: boolean;
}

interface TaskHandle {
  attempt: number;
  running?: Running;
  /** Set when the manager no longer wants the result (cancel, lost connection). */
  abandoned: boolean;
}

/** The stderr line quoted in a failed result's reason is cut to this many bytes. */
const REASON_LINE_BYTES = 300;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Worker {
  private lastContact = Date.now();
  private link?: Link;
  private readonly tasks = new Map<number, TaskHandle>();
  private environment: Record<string, string> = {};
  private runId = '';
  private cluster?: Running;
  private finishing = false;
  private resolveExit!: (code: number) => void;
  private readonly exited = new Promise<number>((resolve) => (this.resolveExit = resolve));
  private watchdog?: NodeJS.Timeout;
  /** Task folders live under one folder per worker, removed when the worker ends. */
  private readonly scratch = mkdtempSync(join(tmpdir(), 'batch-runner-worker-'));
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly options: WorkerOptions) {
    process.once('exit', () => rmSync(this.scratch, { recursive: true, force: true }));
  }

  async run(): Promise<number> {
    const { settings, log } = this.options;
    this.watchdog = setInterval(
      () => {
        const silentMs = Date.now() - this.lastContact;
        if (!this.link && silentMs > settings.managerTimeoutMs) {
          void this.finish(
            EXIT.managerLost,
            `no contact with the manager for ${formatSeconds(settings.managerTimeoutMs)}`,
          );
        }
      },
      Math.min(1000, settings.managerTimeoutMs / 4),
    );
    const secret = await this.waitForSecret();
    if (secret) void this.connectLoop(secret);
    else await this.finish(EXIT.managerLost, `the run secret did not appear in ${this.options.store.location}`);
    const code = await this.exited;
    log(`exiting with code ${code}`);
    return code;
  }

  /** Stops work and resolves run() with `code` (signals, shutdown, lost manager). */
  async finish(code: number, reason: string): Promise<void> {
    if (this.finishing) return;
    this.finishing = true;
    clearInterval(this.watchdog);
    this.options.log(`stopping: ${reason}`);
    for (const handle of this.tasks.values()) handle.abandoned = true;
    await stopAll(reason);
    // Let stopped tasks clean up their folders (bounded: an upload may be stuck).
    await Promise.race([Promise.allSettled(this.inflight), new Promise((r) => setTimeout(r, 5000))]);
    await rm(this.scratch, { recursive: true, force: true });
    this.link?.peer.close('worker stopping');
    this.options.store.close();
    this.resolveExit(code);
  }

  private async waitForSecret(): Promise<Buffer | undefined> {
    let lastError = '';
    while (!this.finishing) {
      try {
        const secret = await readSecret(this.options.store);
        if (secret) return secret;
      } catch (error) {
        if (describeError(error) !== lastError) this.options.log(`cannot read the run secret: ${describeError(error)}`);
        lastError = describeError(error);
      }
      if (Date.now() - this.lastContact > this.options.settings.managerTimeoutMs) return undefined;
      await sleep(1000);
    }
    return undefined;
  }

  private async connectLoop(secret: Buffer): Promise<void> {
    const { host, port, identity, settings, log } = this.options;
    let delay = 100;
    let lastReported = '';
    while (!this.finishing) {
      try {
        const link = await connectToManager({ host, port, secret, identity, handshakeMs: settings.handshakeMs });
        delay = 100;
        lastReported = '';
        await this.session(link);
      } catch (error) {
        // One line per distinct problem, not one per attempt.
        if (describeError(error) !== lastReported) {
          log(`cannot reach the manager at ${host}:${port}: ${describeError(error)} (retrying)`);
          lastReported = describeError(error);
        }
      }
      if (this.finishing) return;
      await sleep(delay * (0.5 + Math.random()));
      delay = Math.min(delay * 2, 5000);
    }
  }

  /** Serves one authenticated connection; resolves when it ends. */
  private session(link: Link): Promise<void> {
    const { welcome, peer } = link;
    this.link = link;
    this.lastContact = Date.now();
    this.environment = welcome.environment;
    this.runId = link.runId;
    this.options.log(`connected to the manager at ${peer.remote} (run ${link.runId}, ${welcome.mode} mode)`);
    peer.authenticated(MAX_FRAME_BYTES, welcome.heartbeatMs, welcome.heartbeatMs * 3);
    return new Promise((resolve) => {
      peer.setHandlers({
        onMessage: (raw) => {
          this.lastContact = Date.now();
          const message = asToWorker(raw);
          if (!message) peer.close(`unexpected message from the manager: ${String(raw.t)}`);
          else if (message.t === 'setup') this.environment = message.environment;
          else if (message.t === 'task') this.track(this.runTask(message, link));
          else if (message.t === 'cancel') this.cancel(message.index, message.attempt);
          else if (message.t === 'start') this.startCluster(message, link);
          else if (message.t === 'shutdown') void this.finish(EXIT.ok, `the manager said: ${message.reason}`);
        },
        onClose: (reason) => {
          this.link = undefined;
          if (!this.finishing) this.options.log(`lost the manager: ${reason}`);
          // The manager hands a lost worker's tasks to others; running them on would do the work twice.
          for (const index of [...this.tasks.keys()]) this.cancel(index);
          resolve();
        },
      });
      if (welcome.mode === 'tasks') peer.send({ t: 'want', n: welcome.slots });
    });
  }

  private track(task: Promise<void>): void {
    this.inflight.add(task);
    void task.finally(() => this.inflight.delete(task));
  }

  private cancel(index: number, attempt?: number): void {
    const handle = this.tasks.get(index);
    if (!handle || (attempt !== undefined && handle.attempt !== attempt)) return;
    handle.abandoned = true;
    this.tasks.delete(index);
    handle.running?.stop('cancelled by the manager');
  }

  private async runTask(task: Assign, link: Link): Promise<void> {
    const started = Date.now();
    // The result, unless the manager no longer wants it; either way the slot is free again (on this
    // connection: after a reconnect the worker asks for all its slots anew).
    const report = (handle: TaskHandle | undefined, result: Omit<Result, 't' | 'index' | 'attempt' | 'ms'>) => {
      if (!link.peer.isOpen) return;
      if (!handle?.abandoned) {
        link.peer.send({ t: 'result', index: task.index, attempt: task.attempt, ms: Date.now() - started, ...result });
      }
      link.peer.send({ t: 'want', n: 1 });
    };
    if (this.options.noop) {
      report(undefined, { ok: true, exitCode: 0, signal: null });
      return;
    }
    // The same task again while an older attempt still runs here: the older one is no longer wanted.
    this.cancel(task.index);
    const handle: TaskHandle = { attempt: task.attempt, abandoned: false };
    this.tasks.set(task.index, handle);
    const dir = await mkdtemp(join(this.scratch, `task-${task.index}-`));
    try {
      report(handle, await this.execute(task, handle, dir));
    } catch (error) {
      report(handle, { ok: false, exitCode: null, signal: null, reason: describeError(error) });
    } finally {
      if (this.tasks.get(task.index) === handle) this.tasks.delete(task.index);
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async execute(task: Assign, handle: TaskHandle, dir: string) {
    const { store, settings } = this.options;
    const outputDir = join(dir, 'output');
    await mkdir(outputDir);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...this.environment,
      BATCH_RUN_ID: this.runId,
      TASK_INDEX: String(task.index),
      TASK_ATTEMPT: String(task.attempt),
      TASK_OUTPUT_DIR: outputDir,
    };
    if ('input' in task) {
      env.TASK_INPUT = join(dir, 'input.json');
      await writeFile(env.TASK_INPUT, JSON.stringify(task.input ?? null));
    }
    if (handle.abandoned) return { ok: false, exitCode: null, signal: null };
    const running = startCommand(task.command, {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      killGraceMs: settings.killGraceMs,
      timeoutMs: task.timeoutMs,
    });
    handle.running = running;
    // The last lines of the whole output travel with a failed result; the last line of stderr
    // goes into its one-line reason.
    const tail = new LineTail();
    const stderr = new LineTail(5, 1024);
    const prefix = `[task ${task.index}] `;
    forwardLines(running.child.stdout!, process.stdout, prefix, tail);
    forwardLines(running.child.stderr!, process.stderr, prefix, tail, stderr);
    const outcome = await running.done;
    if (outcome.exitCode !== 0 || outcome.error) {
      const last = stderr.last();
      return {
        ok: false,
        exitCode: outcome.exitCode,
        signal: outcome.signal,
        reason: describeOutcome(outcome) + (last ? `: ${cutToBytes(last, REASON_LINE_BYTES)}` : ''),
        tail: tail.lines(),
      };
    }
    if (handle.abandoned) return { ok: false, exitCode: 0, signal: null };
    try {
      const collected = await collectOutputs(store, task.index, outputDir);
      return { ok: true, exitCode: 0, signal: null, output: collected.output, outputInStore: collected.outputInStore };
    } catch (error) {
      return { ok: false, exitCode: 0, signal: null, reason: `outputs not saved: ${describeError(error)}` };
    }
  }

  private startCluster(start: Start, link: Link): void {
    if (this.cluster) {
      // A reconnect: the command kept running while the connection was down.
      link.peer.send({ t: 'started', ok: true });
      return;
    }
    const env = { ...process.env, ...this.environment, ...start.env, BATCH_RUN_ID: this.runId };
    const running = startCommand(start.command, {
      env,
      stdio: 'inherit',
      killGraceMs: this.options.settings.killGraceMs,
    });
    this.cluster = running;
    running.child.once('spawn', () => {
      this.options.log(`started the worker command (pid ${running.pid})`);
      this.link?.peer.send({ t: 'started', ok: true });
    });
    void running.done.then((outcome) => {
      if (outcome.error && running.pid === undefined) {
        this.link?.peer.send({ t: 'started', ok: false, reason: outcome.error });
        return;
      }
      this.options.log(`the worker command ended: ${describeOutcome(outcome)}`);
      this.link?.peer.send({ t: 'exited', exitCode: outcome.exitCode, signal: outcome.signal });
    });
  }
}
