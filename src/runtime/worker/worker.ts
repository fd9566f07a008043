// The worker: connects to its manager (retrying with backoff), asks for tasks when it has free
// slots, runs them, uploads their outputs and reports. It exits when the manager says so, and on
// its own when it has not heard from the manager for the manager timeout, stopping everything it
// started: a lost manager never leaves a paid container running.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { formatHostPort } from '../address';
import { EXIT } from '../exitCodes';
import { describeError, type Log } from '../log';
import type { WorkerIdentity } from '../protocol/auth';
import { MAX_FRAME_BYTES, asToWorker, type Assign, type Result, type Results, type Start } from '../protocol/messages';
import { describeOutcome, formatSeconds, startCommand, stopAll, type Outcome, type Running } from '../processes';
import type { Settings } from '../settings';
import { readSecret } from '../store/secret';
import { KEYS, type RunStore } from '../store/store';
import { ByteTail, cutToBytes } from './lines';
import { connectToManager, type Link } from './link';
import { collectOutputs } from './outputs';
import { ShellSpawner, findSlotProgram } from './shellSpawner';
import { TaskFolders, type FolderState } from './taskFolders';
import { TaskOutput } from './taskOutput';
import { startTask, type TaskProcess } from './taskProcess';

export interface WorkerOptions {
  host: string;
  port: number;
  store: RunStore;
  identity: WorkerIdentity;
  settings: Settings;
  log: Log;
  /** Benchmarks: finish every task at once without running its command. */
  noop?: boolean;
  /** With noop: each task's output.json is {"index": i, "input": <its input>} (results.jsonl at scale). */
  noopOutput?: boolean;
}

interface TaskHandle {
  attempt: number;
  running?: TaskProcess;
  /** Set when the manager no longer wants the result (cancel, lost connection). */
  abandoned: boolean;
}

/**
 * Prefetch: a worker holds, beyond one task per slot, about this much work per slot (by the
 * average task time so far), between 1 and PREFETCH_MAX tasks per slot. Long tasks get one spare
 * each (a run's tail never waits long behind a busy worker); very short ones get enough that the
 * round trip to the manager is hidden and tasks travel in batches.
 */
const PREFETCH_WORK_MS = 40;
const PREFETCH_MAX = 64;

/** Results waiting to go out are sent as one frame of at most about this many bytes. */
const RESULTS_BATCH_BYTES = 512 * 1024;

/** Tasks shorter than this on average are pipelined: PIPELINE_DEPTH per slot wait in its shell. */
const PIPELINE_MS = 100;
const PIPELINE_DEPTH = 2;

/** Results wait at most this long to travel with others while the worker has tasks in hand. */
const RESULTS_DELAY_MS = 15;

/** The stderr line quoted in a failed result's reason is cut to this many bytes. */
const REASON_LINE_BYTES = 300;

/** A failed result's tail is at most 2 KB (TAIL_MAX_BYTES); counted generously. */
const TAIL_BYTES_GUESS = 1024;

/** How often the output of running tasks is read and forwarded to the job log. */
const FOLLOW_MS = 250;

/** A task's stdout and stderr, in its folder (kept for the next task there while empty: taskFolders.ts). */
const STDOUT_FILE = 'stdout.out';
const STDERR_FILE = 'stderr.out';

/** How task processes start here, for the job log (shellSpawner.ts, taskProcess.ts). */
const STARTERS = {
  helper: 'the spawn helper',
  bash: 'bash (the spawn helper is not there or does not run here)',
  node: "Node's spawn (no spawn helper or bash runs here)",
} as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Worker {
  private lastContact = Date.now();
  private link?: Link;
  private readonly tasks = new Map<number, TaskHandle>();
  private environment: Record<string, string> = {};
  private runId = '';
  private cluster?: Running;
  private clusterReady = false;
  private finishing = false;
  private resolveExit!: (code: number) => void;
  private readonly exited = new Promise<number>((resolve) => (this.resolveExit = resolve));
  private watchdog?: NodeJS.Timeout;
  /** Task folders live under one folder per worker, removed when the worker ends. */
  private readonly scratch = mkdtempSync(join(tmpdir(), 'batch-runner-worker-'));
  private readonly inflight = new Set<Promise<void>>();
  /** Tasks received beyond the free slots (the prefetch), started in order as slots free up. */
  private queued: { task: Assign; link: Link }[] = [];
  private active = 0;
  private readonly folders = new TaskFolders(this.scratch, [STDOUT_FILE, STDERR_FILE]);
  private slots = 1;
  /** Tasks the manager may have handed us on this connection: running, waiting here, or on their way. */
  private granted = 0;
  /** Average task time (ms), a moving average; undefined before the first task. */
  private averageMs?: number;
  /**
   * Starts task processes from small long-lived programs (shellSpawner.ts): looked for when the
   * first task starts (taskSpawner), null when none runs here (then Node spawns them).
   */
  private spawner?: ShellSpawner | null;
  /** The environment all tasks share, kept as one object while it holds (the shells start with it). */
  private shared?: { environment: Record<string, string>; runId: string; env: NodeJS.ProcessEnv };
  /** Outputs of the running tasks, read a few times a second while they run. */
  private readonly following = new Set<TaskOutput>();
  private followTimer?: NodeJS.Timeout;
  /** Results (and freed slots) not sent yet: they go out together (scheduleFlush). */
  private outbox?: {
    link: Link;
    results: Result[];
    bytes: number;
    want: number;
    timer?: NodeJS.Timeout | 'immediate';
  };

  constructor(private readonly options: WorkerOptions) {
    process.once('exit', () => {
      this.spawner?.killNow();
      rmSync(this.scratch, { recursive: true, force: true });
    });
  }

  /** The slot programs, found (and said in the log) when the first task starts: a cluster-mode worker needs none. */
  private taskSpawner(): ShellSpawner | undefined {
    if (this.spawner === undefined) {
      const program = findSlotProgram();
      this.spawner = null;
      if (program) {
        const skipDir = join(this.scratch, 'skip');
        mkdirSync(skipDir);
        this.spawner = new ShellSpawner(program, skipDir);
      }
      this.options.log(`tasks start through ${STARTERS[program?.kind ?? 'node']}`);
    }
    return this.spawner ?? undefined;
  }

  private sharedEnvironment(): NodeJS.ProcessEnv {
    if (this.shared?.environment !== this.environment || this.shared.runId !== this.runId) {
      const env = { ...process.env, ...this.environment, BATCH_RUN_ID: this.runId };
      this.shared = { environment: this.environment, runId: this.runId, env };
    }
    return this.shared.env;
  }

  /** Reads the running tasks' outputs every FOLLOW_MS while any runs (short tasks end before the first read). */
  private followOutputs(): void {
    if (this.followTimer) return;
    this.followTimer = setInterval(() => {
      if (this.following.size === 0) {
        clearInterval(this.followTimer);
        this.followTimer = undefined;
        return;
      }
      for (const output of this.following) output.poll();
    }, FOLLOW_MS);
    this.followTimer.unref();
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
    this.spawner?.close();
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
          log(
            `cannot reach the manager at ${formatHostPort(host, port)}: ${describeError(error)}${reachHint(host, port, error)} (retrying)`,
          );
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
          else if (message.t === 'task') this.accept(message, link);
          else if (message.t === 'tasks') for (const task of message.tasks) this.accept(task, link);
          else if (message.t === 'cancel') this.cancel(message.index, message.attempt);
          else if (message.t === 'start') this.startCluster(message, link);
          else if (message.t === 'shutdown') void this.finish(EXIT.ok, `the manager said: ${message.reason}`);
        },
        onClose: (reason) => {
          this.link = undefined;
          if (!this.finishing) this.options.log(`lost the manager: ${reason}`);
          // The manager hands a lost worker's tasks to others; running them on would do the work twice.
          this.queued = [];
          for (const index of [...this.tasks.keys()]) this.cancel(index);
          resolve();
        },
      });
      // Room for a task per slot, and a small prefetch: the next task is here when one ends.
      this.slots = Math.max(1, welcome.slots);
      this.granted = this.wanted();
      if (welcome.mode === 'tasks') peer.send({ t: 'want', n: this.granted });
    });
  }

  private track(task: Promise<void>): void {
    this.inflight.add(task);
    void task.finally(() => this.inflight.delete(task));
  }

  /** Tasks to hold at once: one per slot, and the prefetch. */
  private wanted(): number {
    const fixed = this.options.settings.prefetch;
    if (fixed !== undefined) return this.slots + fixed;
    const perSlot =
      this.averageMs === undefined
        ? 1
        : Math.min(PREFETCH_MAX, Math.max(1, Math.floor(PREFETCH_WORK_MS / Math.max(this.averageMs, 0.1))));
    return this.slots * (1 + perSlot);
  }

  /** A task from the manager: run it when a slot is free, else keep it until one is. */
  private accept(task: Assign, link: Link): void {
    if (this.active < this.running()) this.start(task, link);
    else this.queued.push({ task, link });
  }

  /**
   * Tasks started at once: one per slot, and while tasks are short, PIPELINE_DEPTH more per slot
   * that wait in the slots' shells (shellSpawner.ts), so a shell never waits for the worker between
   * two tasks.
   */
  private running(): number {
    const short = this.spawner && this.averageMs !== undefined && this.averageMs < PIPELINE_MS;
    return this.slots * (short ? 1 + PIPELINE_DEPTH : 1);
  }

  /** Tasks in hand that do not run yet: here, or waiting in a shell. */
  private waiting(): number {
    return this.queued.length + Math.max(0, this.active - this.slots);
  }

  private start(task: Assign, link: Link): void {
    this.active++;
    this.track(
      this.runTask(task, link).finally(() => {
        this.active--;
        while (this.queued.length > 0 && this.active < this.running()) {
          const next = this.queued.shift()!;
          if (next.link.peer.isOpen) this.start(next.task, next.link);
        }
      }),
    );
  }

  /** Queues a result (or only a freed slot) for `link`; what one turn of the event loop finished goes in one frame. */
  private send(link: Link, result: Result | undefined): void {
    if (this.outbox && this.outbox.link !== link) this.flush();
    if (!this.outbox) this.outbox = { link, results: [], bytes: 0, want: 0 };
    const box = this.outbox;
    // The finished task's room, adjusted to the prefetch the task times so far call for.
    if (result) this.averageMs = this.averageMs === undefined ? result.ms : this.averageMs * 0.8 + result.ms * 0.2;
    const target = this.wanted();
    if (this.granted > target) this.granted--;
    else {
      box.want += 1 + target - this.granted;
      this.granted = target;
    }
    if (result) {
      box.results.push(result);
      box.bytes += 200 + (result.output?.length ?? 0) + (result.reason?.length ?? 0) + 2 * TAIL_BYTES_GUESS;
    }
    if (box.bytes >= RESULTS_BATCH_BYTES) this.flush();
    else this.scheduleFlush();
  }

  /**
   * The outbox goes out once this turn of the event loop ends while the tasks here run low (fewer
   * waiting to start than there are slots), else within RESULTS_DELAY_MS: short tasks end a few a
   * millisecond, and a frame (sealed, written, read, opened, answered) for each costs the worker and
   * the manager more than the task itself. The prefetch holds more than that delay's work.
   */
  private scheduleFlush(): void {
    const box = this.outbox!;
    const soon = this.waiting() < this.slots;
    if (box.timer === 'immediate' || (box.timer && !soon)) return;
    clearTimeout(box.timer);
    if (soon) {
      box.timer = 'immediate';
      setImmediate(() => this.outbox === box && this.flush());
    } else {
      box.timer = setTimeout(() => this.outbox === box && this.flush(), RESULTS_DELAY_MS);
    }
  }

  private flush(): void {
    const box = this.outbox;
    this.outbox = undefined;
    if (box?.timer && box.timer !== 'immediate') clearTimeout(box.timer);
    if (!box || !box.link.peer.isOpen) return;
    const { peer } = box.link;
    if (box.results.length === 0) {
      if (box.want > 0) peer.send({ t: 'want', n: box.want });
    } else if (box.results.length === 1) {
      peer.socket.cork();
      peer.send(box.results[0]);
      if (box.want > 0) peer.send({ t: 'want', n: box.want });
      peer.socket.uncork();
    } else peer.send({ t: 'results', results: box.results, want: box.want } satisfies Results);
  }

  private cancel(index: number, attempt?: number): void {
    const waiting = this.queued.findIndex(
      (q) => q.task.index === index && (attempt === undefined || q.task.attempt === attempt),
    );
    if (waiting >= 0) {
      // Not started yet: it never runs, and its room is asked for again.
      const [{ link }] = this.queued.splice(waiting, 1);
      this.send(link, undefined);
      return;
    }
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
      this.send(
        link,
        handle?.abandoned
          ? undefined
          : {
              t: 'result',
              index: task.index,
              attempt: task.attempt,
              // From the process's start: it may have waited in its shell first.
              ms: Date.now() - (handle?.running?.startedAt() ?? started),
              ...result,
            },
      );
    };
    if (this.options.noop) {
      const output = this.options.noopOutput ? JSON.stringify({ index: task.index, input: task.input }) : undefined;
      report(undefined, { ok: true, exitCode: 0, signal: null, output });
      return;
    }
    // The same task again while an older attempt still runs here: the older one is no longer wanted.
    this.cancel(task.index);
    const handle: TaskHandle = { attempt: task.attempt, abandoned: false };
    this.tasks.set(task.index, handle);
    // Task folders are taken and given back with synchronous calls: a few microseconds each, where
    // a round trip through the thread pool costs a task of `true` a good part of its time.
    const dir = this.folders.take();
    const seen: FolderState = {};
    try {
      report(handle, await this.execute(task, handle, dir, seen));
    } catch (error) {
      report(handle, { ok: false, exitCode: null, signal: null, reason: describeError(error) });
    } finally {
      if (this.tasks.get(task.index) === handle) this.tasks.delete(task.index);
      this.folders.give(dir, seen);
    }
  }

  /** Runs the task in `dir`; what it learns of the folder on the way goes into `seen` (TaskFolders.give). */
  private async execute(task: Assign, handle: TaskHandle, dir: string, seen: FolderState) {
    const { store, settings } = this.options;
    const outputDir = join(dir, 'output');
    const base = this.sharedEnvironment();
    const env: NodeJS.ProcessEnv = {
      ...base,
      TASK_INDEX: String(task.index),
      TASK_ATTEMPT: String(task.attempt),
      TASK_OUTPUT_DIR: outputDir,
    };
    if ('input' in task) {
      env.TASK_INPUT = join(dir, 'input.json');
      writeFileSync(env.TASK_INPUT, JSON.stringify(task.input ?? null));
    }
    if (handle.abandoned) return { ok: false, exitCode: null, signal: null };
    // What the task prints goes to files beside its output folder, followed from here: forwarded
    // to the job log, its last lines kept for a failed result, its end kept as stdout.log/stderr.log.
    const output = new TaskOutput(join(dir, STDOUT_FILE), join(dir, STDERR_FILE), task.index);
    const running = startTask(this.taskSpawner(), {
      command: task.command,
      env,
      base,
      stdoutFile: output.stdout.path,
      stderrFile: output.stderr.path,
      killGraceMs: settings.killGraceMs,
      timeoutMs: task.timeoutMs,
      slots: this.slots,
      readStderrEnd: () => {
        output.stderr.read();
        return output.stderrTail.lines().join('\n') + '\n';
      },
    });
    handle.running = running;
    this.following.add(output);
    this.followOutputs();
    let outcome: Outcome;
    try {
      outcome = await running.done;
    } finally {
      this.following.delete(output);
    }
    output.end();
    const tail = output.tail;
    const stderr = output.stderrTail;
    const logs = writeTaskLogs(dir, { stdout: output.stdout.kept, stderr: output.stderr.kept });
    if (outcome.exitCode !== 0 || outcome.error) {
      // A failed attempt's output is kept too: it is what explains the failure.
      await uploadTaskLogs(store, task.index, logs).catch((error) =>
        this.options.log(`task ${task.index}: its output could not be saved: ${describeError(error)}`),
      );
      // The shell's own "exec: X: not found" says no more than the reason already does.
      const shellSaid = outcome.error?.startsWith('command not found') || outcome.error?.startsWith('could not start');
      const last = shellSaid ? undefined : stderr.last();
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
      await uploadTaskLogs(store, task.index, logs);
      // The streams were read to their end: empty ones need no second look when the folder is emptied.
      seen.empty = [output.stdout, output.stderr].filter((f) => f.kept.empty).map((f) => basename(f.path));
      const collected = await collectOutputs(store, task.index, outputDir);
      seen.outputEmpty = collected.entries === 0;
      return { ok: true, exitCode: 0, signal: null, output: collected.output, outputInStore: collected.outputInStore };
    } catch (error) {
      return { ok: false, exitCode: 0, signal: null, reason: `outputs not saved: ${describeError(error)}` };
    }
  }

  private startCluster(start: Start, link: Link): void {
    if (this.cluster) {
      // A reconnect: the command kept running while the connection was down.
      if (this.clusterReady) link.peer.send({ t: 'started', ok: true });
      return;
    }
    const readyFile = join(this.scratch, 'ready');
    const env = {
      ...process.env,
      ...this.environment,
      ...start.env,
      BATCH_RUN_ID: this.runId,
      BATCH_WORKER_READY_FILE: readyFile,
    };
    const running = startCommand(start.command, {
      env,
      stdio: 'inherit',
      killGraceMs: this.options.settings.killGraceMs,
    });
    this.cluster = running;
    let ended = false;
    const ready = (how: string) => {
      if (ended || this.clusterReady) return;
      this.clusterReady = true;
      this.options.log(`the worker command is ready (${how})`);
      this.link?.peer.send({ t: 'started', ok: true });
    };
    running.child.once('spawn', () => {
      this.options.log(`started the worker command (pid ${running.pid})`);
      const how = start.ready ?? 'spawned';
      if (how === 'spawned') ready('it started');
      else if (how === 'file')
        void this.waitUntil(
          () => existsSync(readyFile),
          () => ended,
        ).then((ok) => ok && ready(`it created ${readyFile}`));
      else {
        const port = Number(start.env.BATCH_WORKER_PORT);
        const hosts = [...new Set([start.env.BATCH_WORKER_HOST, '127.0.0.1'].filter(Boolean))];
        void this.waitUntilAsync(
          () => accepts(hosts, port),
          () => ended,
        ).then((ok) => ok && ready(`port ${port} accepts connections`));
      }
    });
    void running.done.then((outcome) => {
      ended = true;
      if (!this.clusterReady) {
        const why =
          outcome.error && running.pid === undefined
            ? outcome.error
            : `the worker command ended before it was ready: ${describeOutcome(outcome)}`;
        this.link?.peer.send({ t: 'started', ok: false, reason: why });
        if (outcome.error && running.pid === undefined) return;
      }
      this.options.log(`the worker command ended: ${describeOutcome(outcome)}`);
      this.link?.peer.send({ t: 'exited', exitCode: outcome.exitCode, signal: outcome.signal });
    });
  }

  /** Polls `check` every 100 ms until it holds (true) or `stop` does (false). */
  private async waitUntil(check: () => boolean, stop: () => boolean): Promise<boolean> {
    return this.waitUntilAsync(async () => check(), stop);
  }

  private async waitUntilAsync(check: () => Promise<boolean>, stop: () => boolean): Promise<boolean> {
    while (!stop() && !this.finishing) {
      if (await check()) return true;
      await sleep(100);
    }
    return false;
  }
}

/** For a connection that never got through: where to look (the port, the security group). */
function reachHint(host: string, port: number, error: unknown): string {
  const text = describeError(error);
  const network = /no TCP connection|ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT/.test(text);
  if (!network) return '';
  return (
    ` — TCP port ${port} on ${host} must be open to this worker: in AWS, the manager's security group needs an` +
    ` inbound rule for TCP ${port} from the workers' security group (the same group when they share one), and` +
    ` "runtime": { "port": ${port} } in aws-batch.json keeps the manager on that port`
  );
}

/** True when a TCP connection to one of `hosts` at `port` is accepted (and at once closed). */
function accepts(hosts: string[], port: number): Promise<boolean> {
  return Promise.all(
    hosts.map(
      (host) =>
        new Promise<boolean>((resolve) => {
          const socket = connect({ host, port });
          const done = (ok: boolean) => {
            socket.destroy();
            resolve(ok);
          };
          socket.setTimeout(1000, () => done(false));
          socket.once('connect', () => done(true));
          socket.once('error', () => done(false));
        }),
    ),
  ).then((results) => results.some(Boolean));
}

/** The task's stdout.log and stderr.log beside (not in) its output folder; empty streams write nothing. */
function writeTaskLogs(dir: string, printed: { stdout: ByteTail; stderr: ByteTail }): { name: string; path: string }[] {
  const written: { name: string; path: string }[] = [];
  for (const [stream, tail] of Object.entries(printed)) {
    if (tail.empty) continue;
    const path = join(dir, `${stream}.log`);
    writeFileSync(path, tail.text());
    written.push({ name: `${stream}.log`, path });
  }
  return written;
}

async function uploadTaskLogs(store: RunStore, index: number, logs: { name: string; path: string }[]): Promise<void> {
  for (const log of logs) await store.upload(`${KEYS.taskPrefix(index)}${log.name}`, log.path);
}
