// Child commands (tasks, cluster commands) run in their own process group so that stopping one
// stops everything it started too: SIGTERM to the group, then SIGKILL after a grace period.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';

export interface Outcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the command could not be started or was stopped by us (timeout, cancel, shutdown). */
  error?: string;
}

export interface Running {
  readonly pid: number | undefined;
  readonly child: ChildProcess;
  readonly done: Promise<Outcome>;
  /** Stops the whole process group; `why` becomes the outcome's error. */
  stop(why: string): void;
}

export interface StartOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  stdio: StdioOptions;
  killGraceMs: number;
  timeoutMs?: number;
}

/** What stopAll and killAllNow reach: commands started here and task processes (worker/taskProcess.ts). */
export interface Stoppable {
  readonly done: Promise<unknown>;
  stop(why: string): void;
  killNow(): void;
}

const live = new Set<Stoppable>();

/** Registers a process for stopAll / killAllNow until it is done. */
export function trackLive(process: Stoppable): void {
  live.add(process);
  void process.done.finally(() => live.delete(process));
}

export function startCommand(command: string[], options: StartOptions): Running {
  const child = spawn(command[0], command.slice(1), {
    env: options.env,
    cwd: options.cwd,
    stdio: options.stdio,
    detached: true,
  });
  let stoppedBecause: string | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  let timeout: NodeJS.Timeout | undefined;

  const stop = (why: string) => {
    if (stoppedBecause !== undefined || child.exitCode !== null || child.signalCode !== null) return;
    stoppedBecause = why;
    signalGroup(child, 'SIGTERM');
    graceTimer = setTimeout(() => signalGroup(child, 'SIGKILL'), options.killGraceMs);
  };

  const done = new Promise<Outcome>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      // It never ran: the status a shell reports (127 not found, 126 not executable).
      resolve({
        exitCode: error.code === 'ENOENT' ? 127 : 126,
        signal: null,
        error: error.code === 'ENOENT' ? `command not found: ${command[0]}` : `could not start: ${error.message}`,
      });
    });
    // Resolve on 'close', when the output pipes are drained. A background process the command left
    // behind could hold them open for ever, so a second after 'exit' the group is killed.
    child.once('exit', () => {
      killTimer = setTimeout(() => signalGroup(child, 'SIGKILL'), 1000);
    });
    child.once('close', (exitCode, signal) => {
      resolve({ exitCode, signal, ...(stoppedBecause ? { error: stoppedBecause } : {}) });
    });
  }).finally(() => {
    clearTimeout(killTimer);
    clearTimeout(graceTimer);
    clearTimeout(timeout);
    // Children of the command that outlive it are stopped too.
    signalGroup(child, 'SIGKILL');
  });

  if (options.timeoutMs) {
    timeout = setTimeout(() => stop(`timed out after ${formatSeconds(options.timeoutMs!)}`), options.timeoutMs);
  }
  const running: Running = { pid: child.pid, child, done, stop };
  trackLive({ done, stop, killNow: () => signalGroup(child, 'SIGKILL') });
  return running;
}

/** Stops every command still running and waits for them (used before the process exits). */
export async function stopAll(why: string): Promise<void> {
  const all = [...live];
  for (const running of all) running.stop(why);
  await Promise.all(all.map((running) => running.done));
}

/** Last resort at exit: no grace, nothing awaited (exit handlers are synchronous). */
export function killAllNow(): void {
  for (const running of live) running.killNow();
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid !== undefined) signalGroupOf(child.pid, signal);
}

/** Signals the process group led by `pid` (a command started in a group of its own). */
export function signalGroupOf(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

export function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

export function describeOutcome(outcome: Outcome): string {
  if (outcome.error) return outcome.error;
  if (outcome.signal) return `killed by ${outcome.signal}`;
  return `exit code ${outcome.exitCode}`;
}

/** The exit status a shell would report: the code, or 128 + the signal number. */
export function exitStatus(outcome: Outcome, signals: Record<string, number>): number {
  if (outcome.exitCode !== null) return outcome.exitCode;
  if (outcome.signal && signals[outcome.signal] !== undefined) return 128 + signals[outcome.signal];
  return 127; // it never ran (not found, not executable), as a shell reports it
}
