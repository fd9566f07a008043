// Task bookkeeping for task mode, free of I/O so it can be tested on its own: a FIFO queue, the
// attempt each task is on, who runs it, retries, and tasks handed back when a worker is lost. A
// result counts only if it is for the task's current attempt on the worker that holds it, so a
// task is recorded once however often it was retried or reassigned.

export interface Assignment {
  index: number;
  /** 1-based; grows with every hand-out (retries and reassignments after a lost worker). */
  attempt: number;
  worker: string;
  startedAt: number;
}

export type Completion = 'succeeded' | 'retrying' | 'failed' | 'stale';

/** A task that failed for good, as progress.json and summary.json list it. */
export interface TaskFailure {
  index: number;
  /** Attempts handed out (failed ones, and ones lost with their worker). */
  attempts: number;
  /** The last attempt's exit code; null when it was killed by a signal, never ran, or was lost. */
  exitCode: number | null;
  /** One line: why the last attempt failed, and which attempt of how many it was. */
  reason: string;
  /** The last lines of the last attempt's output (stdout and stderr; at most 20 lines, 2 KB). */
  tail?: string[];
}

/** What a worker reported about a failed attempt, beyond its reason. */
export interface AttemptDetail {
  exitCode: number | null;
  tail?: string[];
}

export interface Counts {
  total: number;
  queued: number;
  /** Handed to a worker: running there, or waiting in its prefetch (a task or so per slot). */
  running: number;
  succeeded: number;
  failed: number;
  /** Attempts that failed and were queued again, plus tasks handed back by lost workers. */
  retried: number;
}

const enum State {
  Queued,
  Running,
  Succeeded,
  Failed,
}

/** A task that took down this many workers is failed rather than handed to yet another one. */
export const MAX_LOST_WORKERS_PER_TASK = 3;

export class Scheduler {
  private readonly state: Uint8Array;
  private readonly attempts: Uint32Array;
  private readonly failedAttempts: Uint32Array;
  private readonly losses: Uint8Array;
  private queue: number[] = [];
  private head = 0;
  private readonly running = new Map<number, Assignment>();
  private readonly byWorker = new Map<string, Set<number>>();
  private readonly failedTasks = new Map<number, Omit<TaskFailure, 'index' | 'attempts'>>();
  private succeeded = 0;
  private failed = 0;
  private retried = 0;

  constructor(
    readonly total: number,
    /** Attempts a task may fail before it is failed for good (retries + 1). */
    readonly maxFailures: number,
  ) {
    this.state = new Uint8Array(total);
    this.attempts = new Uint32Array(total);
    this.failedAttempts = new Uint32Array(total);
    this.losses = new Uint8Array(total);
    for (let i = 0; i < total; i++) this.queue.push(i);
  }

  get finished(): boolean {
    return this.succeeded + this.failed === this.total;
  }

  get hasQueued(): boolean {
    return this.head < this.queue.length;
  }

  /** The position the next assign() hands out, or undefined when none is queued. */
  peek(): number | undefined {
    return this.hasQueued ? this.queue[this.head] : undefined;
  }

  /** The next queued task fails for good without running (its input is missing). */
  failNext(reason: string): number | undefined {
    if (!this.hasQueued) return undefined;
    const index = this.queue[this.head++];
    this.fail(index, reason);
    return index;
  }

  /** The next queued task for `worker`, now marked running, or undefined when none is queued. */
  assign(worker: string, now = Date.now()): Assignment | undefined {
    if (!this.hasQueued) return undefined;
    const index = this.queue[this.head++];
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    const assignment = { index, attempt: ++this.attempts[index], worker, startedAt: now };
    this.state[index] = State.Running;
    this.running.set(index, assignment);
    let mine = this.byWorker.get(worker);
    if (!mine) this.byWorker.set(worker, (mine = new Set()));
    mine.add(index);
    return assignment;
  }

  /** Records a worker's result for (index, attempt). */
  complete(
    worker: string,
    index: number,
    attempt: number,
    ok: boolean,
    reason = 'failed',
    detail: AttemptDetail = { exitCode: null },
  ): Completion {
    const current = this.running.get(index);
    if (!current || current.attempt !== attempt || current.worker !== worker) return 'stale';
    this.release(current);
    if (ok) {
      this.state[index] = State.Succeeded;
      this.succeeded++;
      return 'succeeded';
    }
    this.failedAttempts[index]++;
    if (this.failedAttempts[index] < this.maxFailures) {
      this.requeue(index);
      return 'retrying';
    }
    const tries = this.failedAttempts[index];
    this.fail(index, `${reason} (attempt ${tries} of ${this.maxFailures})`, detail);
    return 'failed';
  }

  /** A worker is gone: its tasks go back to the queue (or fail, if they keep taking workers down). */
  workerLost(worker: string, why = 'its worker was lost'): { requeued: number[]; failed: number[] } {
    const mine = this.byWorker.get(worker);
    this.byWorker.delete(worker);
    const requeued: number[] = [];
    const failed: number[] = [];
    for (const index of mine ?? []) {
      this.running.delete(index);
      if (++this.losses[index] >= MAX_LOST_WORKERS_PER_TASK) {
        this.fail(index, `${why} while running it, ${this.losses[index]} times (does the task crash its worker?)`);
        failed.push(index);
      } else {
        this.requeue(index);
        requeued.push(index);
      }
    }
    return { requeued, failed };
  }

  /** Tasks running for longer than `limitMs` (no result although the worker enforces the timeout). */
  overdue(limitMs: number, now = Date.now()): Assignment[] {
    return [...this.running.values()].filter((a) => now - a.startedAt > limitMs);
  }

  runningOn(worker: string): number {
    return this.byWorker.get(worker)?.size ?? 0;
  }

  counts(): Counts {
    return {
      total: this.total,
      queued: this.queue.length - this.head,
      running: this.running.size,
      succeeded: this.succeeded,
      failed: this.failed,
      retried: this.retried,
    };
  }

  failures(limit = Infinity): TaskFailure[] {
    // A typed array sorts numbers natively: progress stays cheap with many failed tasks.
    return Array.from(
      Uint32Array.from(this.failedTasks.keys()).sort().subarray(0, Math.min(limit, this.failedTasks.size)),
    ).map((index) => {
      const { exitCode, reason, tail } = this.failedTasks.get(index)!;
      return { index, attempts: this.attempts[index], exitCode, reason, ...(tail ? { tail: [...tail] } : {}) };
    });
  }

  private release(assignment: Assignment): void {
    this.running.delete(assignment.index);
    this.byWorker.get(assignment.worker)?.delete(assignment.index);
  }

  private requeue(index: number): void {
    this.state[index] = State.Queued;
    this.retried++;
    this.queue.push(index);
  }

  private fail(index: number, reason: string, detail: AttemptDetail = { exitCode: null }): void {
    this.state[index] = State.Failed;
    this.failed++;
    this.failedTasks.set(index, { exitCode: detail.exitCode, reason, ...(detail.tail ? { tail: detail.tail } : {}) });
  }
}
