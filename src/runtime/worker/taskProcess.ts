// One attempt of a task as a process: its stdout and stderr go to files (no pipes: a pipe pair and
// its streams cost a short task a good part of its time), started by a slot's spawn helper or bash
// where one runs (shellSpawner.ts), else by child_process.spawn. Either way the task leads a process group of
// its own: stop() sends SIGTERM to the group, SIGKILL after the grace period, and whatever the task
// left behind is killed once it ends.
import { closeSync, openSync } from 'node:fs';
import { constants } from 'node:os';
import { formatSeconds, signalGroupOf, startCommand, trackLive, type Outcome } from '../processes';
import type { ShellSpawner } from './shellSpawner';

export interface TaskProcess {
  readonly done: Promise<Outcome>;
  stop(why: string): void;
  /** When the process started (Date.now()); undefined while it waits for its shell, or if it never ran. */
  startedAt(): number | undefined;
}

export interface TaskStart {
  command: string[];
  env: NodeJS.ProcessEnv;
  /** The environment every task of this worker shares (the shells start with it); same object while it holds. */
  base: NodeJS.ProcessEnv;
  stdoutFile: string;
  stderrFile: string;
  killGraceMs: number;
  /** Counted from the moment the process starts (a task can wait in its shell's queue first). */
  timeoutMs?: number;
  /** Tasks that run at once: with bash, as many shells, tasks beyond that wait in one (see shellSpawner.ts). */
  slots?: number;
  /** The stderr file's end, to tell "not found" from a task that exited 127 itself. */
  readStderrEnd(): string;
}

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]),
);

/**
 * A shell's wait status as an outcome: 128 + n is signal n (the shell cannot tell it from a task
 * that exits with that code itself; the signal is the likelier meaning), 127 and 126 with the
 * shell's own message are a command that never ran, as spawn reports them.
 */
export function outcomeOfStatus(status: number, command: string[], stderrEnd: string): Outcome {
  if (status > 128 && SIGNAL_NAMES.has(status - 128)) {
    return { exitCode: null, signal: SIGNAL_NAMES.get(status - 128)! };
  }
  const said = /(?:^|\n)[^\n]*?: (?:line \d+: )?exec: ([^\n]*)\n?$/.exec(stderrEnd)?.[1];
  if (status === 127 && said !== undefined && /: not found$/.test(said)) {
    return { exitCode: 127, signal: null, error: `command not found: ${command[0]}` };
  }
  if (status === 126 && said !== undefined) return { exitCode: 126, signal: null, error: `could not start: ${said}` };
  return { exitCode: status, signal: null };
}

/** A task the spawn helper could not start, as Node's spawn reports one (processes.ts). */
export function notStartedOutcome(status: number, command: string[], why: string): Outcome {
  return status === 127
    ? { exitCode: 127, signal: null, error: `command not found: ${command[0]}` }
    : { exitCode: 126, signal: null, error: `could not start: ${why}` };
}

export function startTask(spawner: ShellSpawner | undefined, start: TaskStart): TaskProcess {
  return spawner ? startInShell(spawner, start) : startWithNode(start);
}

function startWithNode(start: TaskStart): TaskProcess {
  const out = openSync(start.stdoutFile, 'a');
  const err = openSync(start.stderrFile, 'a');
  try {
    const running = startCommand(start.command, {
      env: start.env,
      stdio: ['ignore', out, err],
      killGraceMs: start.killGraceMs,
      timeoutMs: start.timeoutMs,
    });
    const startedAt = Date.now();
    return { done: running.done, stop: (why) => running.stop(why), startedAt: () => startedAt };
  } finally {
    // The child has its own copies.
    closeSync(out);
    closeSync(err);
  }
}

function startInShell(spawner: ShellSpawner, start: TaskStart): TaskProcess {
  let pid: number | undefined;
  let startedAt: number | undefined;
  let stoppedBecause: string | undefined;
  let ended = false;
  let graceTimer: NodeJS.Timeout | undefined;
  let timeout: NodeJS.Timeout | undefined;
  let resolve!: (outcome: Outcome) => void;
  const done = new Promise<Outcome>((r) => (resolve = r));

  const stop = (why: string) => {
    if (ended || stoppedBecause !== undefined) return;
    stoppedBecause = why;
    if (pid !== undefined) terminate(pid);
    else job.skip();
  };
  const terminate = (group: number) => {
    signalGroupOf(group, 'SIGTERM');
    graceTimer = setTimeout(() => signalGroupOf(group, 'SIGKILL'), start.killGraceMs);
  };

  const job = spawner.run(
    {
      command: start.command,
      env: start.env,
      stdoutFile: start.stdoutFile,
      stderrFile: start.stderrFile,
      onStart: (started, ranMs) => {
        pid = started;
        startedAt = Date.now() - (ranMs ?? 0);
        if (stoppedBecause !== undefined) terminate(started);
        else if (start.timeoutMs) {
          timeout = setTimeout(() => stop(`timed out after ${formatSeconds(start.timeoutMs!)}`), start.timeoutMs);
        }
      },
      onEnd: (status, notStarted) => {
        ended = true;
        clearTimeout(graceTimer);
        clearTimeout(timeout);
        // What the task left running in its group goes with it (the shell killed it already when it
        // reported the status).
        if (pid !== undefined && status === undefined) signalGroupOf(pid, 'SIGKILL');
        const outcome: Outcome =
          status === undefined
            ? { exitCode: null, signal: stoppedBecause ? 'SIGKILL' : null, error: 'the shell that ran the task ended' }
            : notStarted !== undefined
              ? notStartedOutcome(status, start.command, notStarted)
              : outcomeOfStatus(status, start.command, status === 126 || status === 127 ? start.readStderrEnd() : '');
        resolve(stoppedBecause ? { ...outcome, error: stoppedBecause } : outcome);
      },
      onSkipped: () => {
        // Stopped before its shell came to it: it never ran.
        ended = true;
        resolve({ exitCode: null, signal: null, error: stoppedBecause ?? 'skipped' });
      },
    },
    start.base,
    start.slots,
  );
  const handle: TaskProcess = { done, stop, startedAt: () => startedAt };
  trackLive({ done, stop, killNow: () => pid !== undefined && signalGroupOf(pid, 'SIGKILL') });
  return handle;
}
