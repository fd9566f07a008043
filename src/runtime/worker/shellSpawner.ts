// Task processes started by a long-lived program, one per task slot: the runtime's spawn helper
// (src/runtime/spawn/spawn.c: posix_spawn, no copy of an address space), else bash. A fork from
// the worker's Node process (child_process.spawn: a large address space to copy, libuv's handles
// and streams) costs about twice what a fork from a small shell does, and for short tasks that is
// most of the time a task takes (bench/task-throughput). bash is not free either: 10,000 tasks of
// `true` in two slots took 12.4 s of CPU from bash, 8.4 s from the helper, 11 s from xargs -P 2.
// Both put each task in a process group of its own, as spawn(..., { detached: true }) does, so a
// stop still reaches everything the task started. Images where neither runs get the Node spawn
// (startTask in taskProcess.ts).
//
// The helper's protocol is in spawn.c; bash's follows. The answers are the same, but for two the
// helper adds: D (started and ended at once: S and E in one line) and X (could not be started).
//
// The protocol on the shell's stdin is one script per task, each after its length and a space;
// the shell answers on its stdout "S <pid>" when the task started and "E <pid> <status>" when it
// ended, after it killed what the task left running in its group (the shell's stderr, where the
// kill says "no such process" when nothing was left, goes nowhere: a failed kill(2) in Node costs
// an exception, which for short tasks is more than the call). Values go through the pipe, never a
// command line. The length lets bash take a script in one read(2) (`read -N`): told to stop at a
// delimiter instead, it reads a pipe a byte per system call, some 300 calls for a task's script.
// `read -N` counts characters in the shell's locale, so scripts are ASCII (shellQuote writes other
// bytes as \xHH), where a character is a byte.
//
// Tasks are pipelined: the worker may hand a shell its next tasks while one runs, and they wait in
// the shell's stdin, so the shell starts the next as soon as one ends instead of waiting for the
// worker to hear of the end and answer (a round trip that cost a task of `true` about half again
// its time). Each script first looks for its skip file: a task cancelled before its shell came to
// it answers "K" and never runs. A task waiting behind a running one is moved to a shell that fell
// idle, but only when sure the first shell will skip it: the skip file is written while the task
// ahead of it still runs (the shell looks for the file only after that task ended).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const LOOP =
  'set -m; exec 3>&1 1>/dev/null; ' +
  'while IFS= read -r -d " " n && IFS= read -r -N "$n" script; do eval "$script"; done';

const BASH_PATHS = ['/bin/bash', '/usr/bin/bash'];

/** bash, where the image has it; undefined otherwise. */
export function findBash(): string | undefined {
  return BASH_PATHS.find((path) => existsSync(path));
}

/** What `spawn --version` prints; a helper of another protocol version is not used. */
export const SPAWN_HELPER_VERSION = 'batch-runner-spawn 1';

/**
 * The spawn helper's file names beside runtime.js: `spawn` in the runtime layer (built for the
 * image's platform), `spawn-linux-<arch>` in dist/ (`runtime.js local` on this machine).
 */
export function spawnHelperNames(arch: string = process.arch): string[] {
  return ['spawn', `spawn-linux-${arch}`];
}

/**
 * The spawn helper beside the runtime script (`dir`, by default the folder of the script this
 * process runs), when it is there and works here: `--check` answers only once the helper has
 * started a process the way it starts tasks (the image's architecture, an executable mount, a
 * seccomp filter that lets it start processes).
 */
export function findSpawnHelper(dir = dirname(resolve(process.argv[1] ?? '.'))): string | undefined {
  for (const name of spawnHelperNames()) {
    const path = join(dir, name);
    if (!existsSync(path)) continue;
    const answer = spawnSync(path, ['--check'], {
      encoding: 'utf8',
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    if (answer.status === 0 && answer.stdout.trim() === SPAWN_HELPER_VERSION) return path;
  }
  return undefined;
}

/** The long-lived program of a slot and how a task is written to it. */
export interface SlotProgram {
  readonly kind: 'helper' | 'bash';
  readonly path: string;
  readonly args: readonly string[];
  /**
   * The program's own stderr: the helper's few messages (a malformed record, posix_spawn refused)
   * go to the worker's log; bash's (a kill that found nothing left) nowhere.
   */
  readonly stderr: 'inherit' | 'ignore';
  encode(
    task: Pick<ShellTask, 'command' | 'env' | 'stdoutFile' | 'stderrFile'>,
    base: NodeJS.ProcessEnv,
    skipFile: string,
  ): string;
}

export function bashProgram(bash: string): SlotProgram {
  return {
    kind: 'bash',
    path: bash,
    args: ['--noprofile', '--norc', '-c', LOOP],
    stderr: 'ignore',
    encode: (task, base, skipFile) => framed(taskScript(task, base, skipFile)),
  };
}

/** `fork`: start tasks with fork and exec, as the helper does where posix_spawn is refused (tests). */
export function helperProgram(helper: string, options: { fork?: boolean } = {}): SlotProgram {
  return { kind: 'helper', path: helper, args: options.fork ? ['--fork'] : [], stderr: 'inherit', encode: taskRecord };
}

/** The slot program to use here: the spawn helper, else bash; undefined when neither (then Node spawns). */
export function findSlotProgram(dir?: string): SlotProgram | undefined {
  const helper = findSpawnHelper(dir);
  if (helper) return helperProgram(helper);
  const bash = findBash();
  return bash ? bashProgram(bash) : undefined;
}

export interface ShellTask {
  command: string[];
  /** The task's whole environment. */
  env: NodeJS.ProcessEnv;
  /** Files the task's stdout and stderr are appended to. */
  stdoutFile: string;
  stderrFile: string;
  /** The task's pid once it runs; `ranMs`: how long it has run already (the helper's D line). */
  onStart(pid: number, ranMs?: number): void;
  /**
   * Its wait status as the shell reports it (128 + n for signal n), or undefined if the shell died;
   * with `notStarted`, why it could not be started (the helper's X: 127 not found, 126 other).
   */
  onEnd(status: number | undefined, notStarted?: string): void;
  /** It never ran: skipped (ShellJob.skip) before a shell started it. */
  onSkipped(): void;
}

/** A task handed to the shells. */
export interface ShellJob {
  /** Asks that it not be started: then onSkipped follows, or onStart when a shell had started it already. */
  skip(): void;
}

/**
 * Quotes a string for the shell, in ASCII: printable ASCII inside single quotes (where nothing is
 * special but the quote itself), anything else as $'...' with each other byte of its UTF-8 as \xHH.
 */
export function shellQuote(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return `'${value.replace(/'/g, `'\\''`)}'`;
  let quoted = "$'";
  for (const byte of Buffer.from(value, 'utf8')) {
    const printable = byte >= 0x20 && byte <= 0x7e && byte !== 0x27 && byte !== 0x5c;
    quoted += printable ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return quoted + "'";
}

/** A script as the shell reads it: its length (in bytes, which for ASCII are its characters), a space, the script. */
export function framed(script: string): string {
  return `${script.length} ${script}`;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The script that runs one task: unless the file `skipFile` is there (then it answers K), the
 * environment's differences from the shell's, redirections, exec.
 */
export function taskScript(
  task: Pick<ShellTask, 'command' | 'env' | 'stdoutFile' | 'stderrFile'>,
  base: NodeJS.ProcessEnv,
  skipFile: string,
): string {
  const parts: string[] = [];
  const gone = Object.keys(base).filter((key) => task.env[key] === undefined && NAME.test(key));
  // bash sets SHLVL (and _) for what it runs; the task gets the value the worker has.
  if (base.SHLVL === undefined && task.env.SHLVL === undefined) gone.push('SHLVL');
  if (gone.length > 0) parts.push(`unset ${gone.join(' ')}`);
  for (const [key, value] of Object.entries(task.env)) {
    if (value === undefined || !NAME.test(key)) continue;
    if (base[key] !== value || key === 'SHLVL') parts.push(`export ${key}=${shellQuote(value)}`);
  }
  parts.push(`exec -- ${task.command.map(shellQuote).join(' ')}`);
  return (
    `if [ -e ${shellQuote(skipFile)} ]; then printf 'K\\n' >&3; else ` +
    `( ${parts.join('; ')} ) </dev/null >>${shellQuote(task.stdoutFile)} 2>>${shellQuote(task.stderrFile)} & ` +
    `p=$!; printf 'S %d\\n' "$p" >&3; wait "$p"; s=$?; kill -KILL -- -"$p"; printf 'E %d %d\\n' "$p" "$s" >&3; fi`
  );
}

/**
 * The spawn helper's record for one task (spawn.c): its length in bytes, a space, then NUL-ended
 * fields. Values go as they are: nothing is quoted, and names are anything without = or NUL.
 */
export function taskRecord(
  task: Pick<ShellTask, 'command' | 'env' | 'stdoutFile' | 'stderrFile'>,
  base: NodeJS.ProcessEnv,
  skipFile: string,
): string {
  const field = (kind: string, value: string) => {
    if (value.includes('\0')) throw new Error(`a NUL byte in ${kind === 'a' ? 'an argument' : 'the environment'}`);
    return `${kind}${value}\0`;
  };
  let payload = field('k', skipFile) + field('o', task.stdoutFile) + field('e', task.stderrFile);
  for (const key in base) if (task.env[key] === undefined) payload += field('u', key);
  for (const key in task.env) {
    const value = task.env[key];
    if (value !== undefined && base[key] !== value && !key.includes('=')) payload += field('s', `${key}=${value}`);
  }
  for (const arg of task.command) payload += field('a', arg);
  return `${Buffer.byteLength(payload)} ${payload}`;
}

interface Job {
  task: ShellTask;
  /** Where it is queued now. */
  at?: Queued;
  skipped: boolean;
  /** The task's pid once a shell reported it. */
  pid?: number;
}

/** A job's place in one shell's stdin. */
interface Queued {
  job: Job;
  skipFile: string;
  started: boolean;
  /** Its skip file is (or may be) there. */
  marked: boolean;
  /** Taken to another shell: this shell's K for it means nothing. */
  moved: boolean;
}

/** One bash that runs one task at a time, in the order they were written to it. */
class Shell {
  readonly child: ChildProcess;
  /** Written to the shell and not answered for yet; the first runs (or is about to). */
  readonly queue: Queued[] = [];
  private buffered = '';
  dead = false;

  constructor(
    private readonly program: SlotProgram,
    private readonly base: NodeJS.ProcessEnv,
    private readonly handlers: {
      idle(shell: Shell): void;
      /** A K for a job that was not skipped or moved (a move that was not sure): it still has to run. */
      unplaced(job: Job): void;
    },
  ) {
    this.child = spawn(program.path, program.args, {
      env: base,
      stdio: ['pipe', 'pipe', program.stderr],
      detached: true,
    });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => this.answer(chunk));
    this.child.stdin!.on('error', () => undefined);
    const died = () => {
      if (this.dead) return;
      this.dead = true;
      for (const queued of this.queue.splice(0)) {
        unmark(queued);
        if (!queued.moved) queued.job.task.onEnd(undefined);
      }
    };
    this.child.once('error', died);
    this.child.once('exit', died);
  }

  get busy(): boolean {
    return this.queue.length > 0;
  }

  run(queued: Queued): void {
    let encoded: string;
    try {
      encoded = this.program.encode(queued.job.task, this.base, queued.skipFile);
    } catch (error) {
      queued.job.task.onEnd(126, (error as Error).message);
      return;
    }
    this.queue.push(queued);
    queued.job.at = queued;
    this.child.stdin!.write(encoded);
  }

  close(): void {
    this.child.stdin!.end();
  }

  private answer(chunk: string): void {
    this.buffered += chunk;
    let newline: number;
    while ((newline = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      const [kind, pid, status, micros] = line.split(' ');
      const queued = this.queue[0];
      if (!queued) continue;
      if (kind === 'S' || kind === 'D') {
        queued.started = true;
        unmark(queued);
        queued.job.pid = Number(pid);
        queued.job.task.onStart(Number(pid), kind === 'D' ? Number(micros) / 1000 : undefined);
        if (kind === 'S') continue;
      }
      if (kind !== 'E' && kind !== 'D' && kind !== 'K' && kind !== 'X') continue;
      this.queue.shift();
      unmark(queued);
      if (kind === 'E' || kind === 'D') queued.job.task.onEnd(Number(status));
      else if (kind === 'X') queued.job.task.onEnd(Number(pid), line.slice(line.indexOf(' ', 2) + 1));
      else if (queued.moved) {
        // runs elsewhere
      } else if (queued.job.skipped) queued.job.task.onSkipped();
      else this.handlers.unplaced(queued.job);
      if (this.queue.length === 0) this.handlers.idle(this);
    }
  }
}

function mark(queued: Queued): boolean {
  try {
    writeFileSync(queued.skipFile, '');
    queued.marked = true;
    return true;
  } catch {
    return false;
  }
}

function unmark(queued: Queued): void {
  if (!queued.marked) return;
  queued.marked = false;
  try {
    unlinkSync(queued.skipFile);
  } catch {
    // not there
  }
}

/** A process that runs (not one that ended and is not reaped yet); false where that cannot be told. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * A pool of shells, one per slot. A task goes to an idle shell, to a new one while there are fewer
 * shells than slots, else behind the tasks of the shell with the fewest. The shells start with the
 * environment the tasks share; a change of it (the manager's setup message) retires the old shells
 * as they fall idle. Skip files live in `skipDir`.
 */
export class ShellSpawner {
  private shells: Shell[] = [];
  /** Shells of an older shared environment, closed when their tasks end. */
  private readonly retiring: Shell[] = [];
  private base?: NodeJS.ProcessEnv;
  private closed = false;
  private sequence = 0;
  private slots = Infinity;

  constructor(
    private readonly program: SlotProgram,
    private readonly skipDir: string,
  ) {}

  get kind(): SlotProgram['kind'] {
    return this.program.kind;
  }

  /** `slots`: how many shells at most (tasks beyond wait in one); without it, a shell for each task. */
  run(task: ShellTask, base: NodeJS.ProcessEnv, slots = Infinity): ShellJob {
    const job: Job = { task, skipped: false };
    if (this.closed) {
      task.onEnd(undefined);
      return { skip: () => undefined };
    }
    if (this.base !== base) {
      // A new shared environment: idle shells go, busy ones go once their tasks end.
      for (const shell of this.shells) if (!shell.busy) shell.close();
      this.retiring.push(...this.shells.filter((shell) => shell.busy));
      this.shells = [];
      this.base = base;
    }
    this.slots = slots;
    this.place(job);
    return {
      skip: () => {
        if (job.skipped) return;
        job.skipped = true;
        const at = job.at;
        if (at && !at.started && !at.marked) mark(at);
      },
    };
  }

  private place(job: Job, shell = this.choose()): void {
    shell.run({
      job,
      skipFile: join(this.skipDir, `skip-${++this.sequence}`),
      started: false,
      marked: false,
      moved: false,
    });
  }

  private choose(): Shell {
    this.shells = this.shells.filter((s) => !s.dead);
    const idle = this.shells.find((s) => !s.busy);
    if (idle) return idle;
    if (this.shells.length < this.slots) {
      const shell = new Shell(this.program, this.base!, {
        idle: (s) => this.idle(s),
        unplaced: (job) => (this.closed ? job.task.onEnd(undefined) : this.place(job)),
      });
      this.shells.push(shell);
      return shell;
    }
    return this.shells.reduce((a, b) => (b.queue.length < a.queue.length ? b : a));
  }

  private idle(shell: Shell): void {
    const old = this.retiring.indexOf(shell);
    if (old >= 0) {
      this.retiring.splice(old, 1);
      shell.close();
      return;
    }
    if (!this.closed && !shell.dead) this.steal(shell);
  }

  /** An idle shell takes a task waiting behind a running one elsewhere, when the other is sure to skip it. */
  private steal(idle: Shell): void {
    for (const other of [...this.shells, ...this.retiring]) {
      if (other === idle || other.dead || other.queue.length < 2) continue;
      const ahead = other.queue[0];
      if (!ahead.started || ahead.job.pid === undefined) continue;
      let waiting: Queued | undefined;
      for (let i = other.queue.length - 1; i > 0 && !waiting; i--) {
        const q = other.queue[i];
        if (!q.started && !q.moved && !q.marked && !q.job.skipped) waiting = q;
      }
      if (!waiting || !mark(waiting)) continue;
      if (running(ahead.job.pid)) {
        waiting.moved = true;
        this.place(waiting.job, idle);
        return;
      }
      // The task ahead has ended: the shell may have looked for the file already. It stays there
      // (K, if the shell saw the file, puts it back in a queue: unplaced).
      unmark(waiting);
    }
  }

  /** Ends every shell (their tasks are stopped by their own handles first). */
  close(): void {
    this.closed = true;
    for (const shell of [...this.shells, ...this.retiring]) shell.close();
    this.shells = [];
  }

  /** At exit: no shell outlives the worker. */
  killNow(): void {
    for (const shell of [...this.shells, ...this.retiring]) {
      try {
        shell.child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
