// Task processes forked by a long-lived bash, one per task slot. A fork from the worker's Node
// process (child_process.spawn: a large address space to copy, libuv's handles and streams) costs
// about twice what a fork from a small shell does, and for short tasks that is most of the time a
// task takes (bench/task-throughput). bash with job control (`set -m`) puts each task in a process
// group of its own, as spawn(..., { detached: true }) does, so a stop still reaches everything the
// task started. Images without bash get the Node spawn (startTask in taskProcess.ts).
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
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

const LOOP =
  'set -m; exec 3>&1 1>/dev/null; ' +
  'while IFS= read -r -d " " n && IFS= read -r -N "$n" script; do eval "$script"; done';

const BASH_PATHS = ['/bin/bash', '/usr/bin/bash'];

/** bash, where the image has it; undefined otherwise. */
export function findBash(): string | undefined {
  return BASH_PATHS.find((path) => existsSync(path));
}

export interface ShellTask {
  command: string[];
  /** The task's whole environment. */
  env: NodeJS.ProcessEnv;
  /** Files the task's stdout and stderr are appended to. */
  stdoutFile: string;
  stderrFile: string;
  /** The task's pid once it runs. */
  onStart(pid: number): void;
  /** Its wait status as the shell reports it (128 + n for signal n), or undefined if the shell died. */
  onEnd(status: number | undefined): void;
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

/** The script that runs one task: the environment's differences from the shell's, redirections, exec. */
export function taskScript(
  task: Pick<ShellTask, 'command' | 'env' | 'stdoutFile' | 'stderrFile'>,
  base: NodeJS.ProcessEnv,
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
    `( ${parts.join('; ')} ) </dev/null >>${shellQuote(task.stdoutFile)} 2>>${shellQuote(task.stderrFile)} & ` +
    `p=$!; printf 'S %d\\n' "$p" >&3; wait "$p"; s=$?; kill -KILL -- -"$p"; printf 'E %d %d\\n' "$p" "$s" >&3`
  );
}

/** One bash that runs one task at a time. */
class Shell {
  readonly child: ChildProcess;
  private current?: ShellTask;
  private buffered = '';
  dead = false;

  constructor(
    bash: string,
    private readonly base: NodeJS.ProcessEnv,
    private readonly onIdle: (shell: Shell) => void,
  ) {
    this.child = spawn(bash, ['--noprofile', '--norc', '-c', LOOP], {
      env: base,
      stdio: ['pipe', 'pipe', 'ignore'],
      detached: true,
    });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => this.answer(chunk));
    this.child.stdin!.on('error', () => undefined);
    const died = () => {
      if (this.dead) return;
      this.dead = true;
      const task = this.current;
      this.current = undefined;
      task?.onEnd(undefined);
    };
    this.child.once('error', died);
    this.child.once('exit', died);
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  run(task: ShellTask): void {
    this.current = task;
    this.child.stdin!.write(framed(taskScript(task, this.base)));
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
      const [kind, pid, status] = line.split(' ');
      const task = this.current;
      if (!task) continue;
      if (kind === 'S') task.onStart(Number(pid));
      else if (kind === 'E') {
        this.current = undefined;
        task.onEnd(Number(status));
        this.onIdle(this);
      }
    }
  }
}

/**
 * A pool of shells: as many as tasks run at once. The shells start with the environment the tasks
 * share; a change of it (the manager's setup message) retires the old shells as they fall idle.
 */
export class ShellSpawner {
  private shells: Shell[] = [];
  /** Shells of an older shared environment, closed when their task ends. */
  private readonly retiring: Shell[] = [];
  private base?: NodeJS.ProcessEnv;
  private closed = false;

  constructor(private readonly bash: string) {}

  run(task: ShellTask, base: NodeJS.ProcessEnv): void {
    if (this.closed) {
      task.onEnd(undefined);
      return;
    }
    if (this.base !== base) {
      // A new shared environment: idle shells go, busy ones go once their task ends.
      for (const shell of this.shells) if (!shell.busy) shell.close();
      this.retiring.push(...this.shells.filter((shell) => shell.busy));
      this.shells = [];
      this.base = base;
    }
    this.shells = this.shells.filter((s) => !s.dead);
    let shell = this.shells.find((s) => !s.busy);
    if (!shell) {
      shell = new Shell(this.bash, base, (idle) => this.idle(idle));
      this.shells.push(shell);
    }
    shell.run(task);
  }

  private idle(shell: Shell): void {
    const old = this.retiring.indexOf(shell);
    if (old >= 0) {
      this.retiring.splice(old, 1);
      shell.close();
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
