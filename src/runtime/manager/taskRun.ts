// Task mode on the manager: workers ask for work when they have room ("want n", which counts a
// small prefetch), the scheduler picks tasks and they go out in batches (one frame per worker and
// round); results come back, one by one or batched; outputs are spooled to a file as they arrive
// and gathered into results.jsonl in index order at the end. Inputs come from run.json or are
// streamed from an inputs file (./inputs.ts).
import { EXIT } from '../exitCodes';
import type { Log } from '../log';
import { asToManager, type Assign, type Result, type Tasks } from '../protocol/messages';
import type { RunProgress, RunSummary } from '../runFiles';
import { taskCommand, taskCount, type TaskSpec } from '../runSpec';
import { KEYS, type RunStore } from '../store/store';
import type { Controller, RunOutcome } from './controller';
import type { ConnectedWorker } from './listener';
import { InlineInputs, type InputSource } from './inputs';
import { ResultSpool } from './results';
import { Scheduler, type TaskFailure } from './scheduler';

/** progress.json and summary.json list at most this many failed tasks. */
const FAILURES_LISTED = 100;
/** A worker's reason is kept to one line of at most this many characters. */
const REASON_CHARS = 1000;

interface Slot {
  worker: ConnectedWorker;
  /** Tasks the worker asked for and has not been given yet. */
  credit: number;
}

/** A batch of tasks for one worker is cut at about this many bytes of inputs (frames are at most 1 MiB). */
const BATCH_BYTES = 256 * 1024;

export class TaskRun implements Controller {
  readonly outcome: Promise<RunOutcome>;
  private resolve!: (outcome: RunOutcome) => void;
  private done = false;
  private readonly scheduler: Scheduler;
  private readonly slots = new Map<string, Slot>();
  private readonly hungry = new Set<Slot>();
  private readonly spool: ResultSpool;
  private readonly inputs?: InputSource;
  private firstTaskAt?: number;
  private lastTaskAt?: number;
  private readonly overdueTimer?: NodeJS.Timeout;
  private readonly indexes: number[] | undefined;
  private readonly positions: Map<number, number> | undefined;

  /**
   * `overdueGraceMs`: the worker enforces a task's time limit itself; the manager gives up on an
   * attempt only when there is still no result this long after the limit (a stuck upload, a hung
   * worker that still answers heartbeats).
   */
  constructor(
    private readonly tasks: TaskSpec,
    private readonly log: Log,
    private readonly changed: () => void,
    overdueGraceMs: number,
    /** The inputs, when the tasks have them (default: run.json's inline tasks.inputs). */
    inputs?: InputSource,
  ) {
    this.inputs = inputs ?? (tasks.inputs ? new InlineInputs(tasks.inputs) : undefined);
    this.outcome = new Promise((resolve) => (this.resolve = resolve));
    // The scheduler counts positions 0..n-1; with `indexes` (Re-run Failed Tasks) position p is task
    // indexes[p], which keeps its TASK_INDEX, its input and its tasks/<index>/ folder.
    this.indexes = tasks.indexes;
    this.positions = tasks.indexes ? new Map(tasks.indexes.map((index, p) => [index, p])) : undefined;
    this.scheduler = new Scheduler(tasks.indexes?.length ?? taskCount(tasks), (tasks.retries ?? 0) + 1);
    this.spool = new ResultSpool(this.scheduler.total);
    if (tasks.timeoutSeconds) {
      const limit = tasks.timeoutSeconds * 1000 + overdueGraceMs;
      this.overdueTimer = setInterval(() => this.giveUpOverdue(limit), Math.min(5000, overdueGraceMs / 2));
      this.overdueTimer.unref();
    }
  }

  addWorker(worker: ConnectedWorker): void {
    const slot: Slot = { worker, credit: 0 };
    const previous = this.slots.get(worker.id);
    // The same worker again (it reconnected): its old connection and tasks are gone.
    if (previous) previous.worker.peer.close('replaced by a new connection');
    this.slots.set(worker.id, slot);
    worker.peer.setHandlers({
      onMessage: (raw) => {
        const message = asToManager(raw);
        if (!message) worker.peer.close(`unexpected message: ${String(raw.t).slice(0, 40)}`);
        else if (message.t === 'want') this.want(slot, message.n);
        else if (message.t === 'result') this.result(slot, message);
        else if (message.t === 'results') {
          for (const result of message.results) if (!this.record(slot, result)) return;
          this.finishedSome();
          if (message.want > 0) this.want(slot, message.want);
        }
      },
      onClose: (reason) => this.lost(slot, reason),
    });
    this.changed();
  }

  abort(outcome: RunOutcome): void {
    this.end(outcome);
  }

  needsWorkers(): boolean {
    return !this.done && !this.scheduler.finished;
  }

  report(): Pick<RunProgress, 'tasks' | 'failures'> {
    return { tasks: this.scheduler.counts(), failures: this.failures() };
  }

  /** The task index at a scheduler position. */
  private taskIndex(position: number): number {
    return this.indexes ? this.indexes[position] : position;
  }

  private failures(): TaskFailure[] {
    return this.scheduler
      .failures(FAILURES_LISTED)
      .map((failure) => ({ ...failure, index: this.taskIndex(failure.index) }));
  }

  async finish(store: RunStore): Promise<Pick<RunSummary, 'tasks' | 'failures' | 'timing'>> {
    clearInterval(this.overdueTimer);
    this.inputs?.close();
    await this.spool.finish(
      (position) => this.taskIndex(position),
      (index) => readStoredOutput(store, index),
      (data) => store.write(KEYS.results, data),
      (file) => store.upload(KEYS.results, file),
      this.log,
    );
    return {
      tasks: this.scheduler.counts(),
      failures: this.failures(),
      timing: {
        firstTaskAt: iso(this.firstTaskAt),
        lastTaskAt: iso(this.lastTaskAt),
        firstTaskAtMs: this.firstTaskAt,
        lastTaskAtMs: this.lastTaskAt,
      },
    };
  }

  /** More inputs were read: hand them out. */
  inputsReady(): void {
    this.pump();
  }

  private want(slot: Slot, n: number): void {
    slot.credit += n;
    this.hungry.add(slot);
    this.pump();
  }

  /** Hands queued tasks to workers with room, in the order they asked, one batch per worker. */
  private pump(): void {
    if (this.done) return;
    for (const slot of this.hungry) {
      let batch: Assign[] = [];
      let bytes = 0;
      let stalled = false;
      while (slot.credit > 0) {
        const position = this.scheduler.peek();
        if (position === undefined) break;
        const index = this.taskIndex(position);
        let input: string | undefined;
        if (this.inputs) {
          input = this.inputs.take(index);
          if (input === undefined) {
            if (!this.inputs.missing(index)) {
              stalled = true; // not read yet: inputsReady() comes back
              break;
            }
            this.scheduler.failNext('the inputs file has no line for this task');
            this.log(`task ${index}: the inputs file has no line for it; failed`);
            this.changed();
            continue;
          }
        }
        const assignment = this.scheduler.assign(slot.worker.id)!;
        slot.credit--;
        this.firstTaskAt ??= Date.now();
        const message: Assign = {
          t: 'task',
          index,
          attempt: assignment.attempt,
          command: taskCommand(this.tasks, index),
        };
        if (input !== undefined) {
          message.input = JSON.parse(input);
          bytes += input.length;
        }
        if (this.tasks.timeoutSeconds) message.timeoutMs = this.tasks.timeoutSeconds * 1000;
        batch.push(message);
        if (bytes >= BATCH_BYTES) {
          this.sendBatch(slot, batch);
          batch = [];
          bytes = 0;
        }
      }
      this.sendBatch(slot, batch);
      if (slot.credit > 0) {
        this.checkFinished();
        return; // nothing more to hand out now; this worker (and those after it) wait
      }
      this.hungry.delete(slot);
      if (stalled) return;
    }
  }

  private sendBatch(slot: Slot, batch: Assign[]): void {
    if (batch.length === 1) slot.worker.peer.send(batch[0]);
    else if (batch.length > 1) slot.worker.peer.send({ t: 'tasks', tasks: batch } satisfies Tasks);
  }

  private result(slot: Slot, result: Result): void {
    if (this.record(slot, result)) this.finishedSome();
  }

  private finishedSome(): void {
    this.changed();
    this.checkFinished();
    this.pump();
  }

  /** Books one result; false when it was refused (and its worker dropped). */
  private record(slot: Slot, result: Result): boolean {
    const { index, attempt } = result;
    const position = this.positions ? this.positions.get(index) : index;
    if (position === undefined || position >= this.scheduler.total) {
      slot.worker.peer.close(`result for task ${index}, which does not exist`);
      return false;
    }
    const reason = result.reason === undefined ? undefined : oneLine(result.reason);
    const completion = this.scheduler.complete(slot.worker.id, position, attempt, result.ok, reason, {
      exitCode: result.exitCode,
      tail: result.tail,
    });
    if (completion === 'stale') return true;
    this.lastTaskAt = Date.now();
    const where = `task ${index} (attempt ${attempt}, worker ${slot.worker.label})`;
    if (completion === 'succeeded') {
      const text = result.output === undefined ? undefined : compact(result.output);
      if (text !== undefined) this.spool.add(position, text);
      else if (result.output !== undefined)
        this.log(`${where}: its output is not JSON; it is left out of results.jsonl`);
      else if (result.outputInStore) this.spool.add(position, 'store');
    } else if (completion === 'retrying') {
      this.log(`${where} failed: ${reason ?? 'no reason given'}; trying again`);
    } else {
      this.log(`${where} failed for good: ${reason ?? 'no reason given'}`);
    }
    if (completion !== 'retrying') this.inputs?.release(index);
    return true;
  }

  private lost(slot: Slot, reason: string): void {
    this.hungry.delete(slot);
    if (this.slots.get(slot.worker.id) === slot) this.slots.delete(slot.worker.id);
    const { requeued, failed } = this.scheduler.workerLost(slot.worker.id);
    for (const position of failed) this.inputs?.release(this.taskIndex(position));
    if (!this.done) {
      const named = (positions: number[]) => positions.map((p) => this.taskIndex(p)).join(', ');
      const handedBack = requeued.length ? `; tasks ${named(requeued)} go back to the queue` : '';
      const gaveUp = failed.length ? `; tasks ${named(failed)} failed` : '';
      this.log(`worker ${slot.worker.label} is gone (${reason})${handedBack}${gaveUp}`);
    }
    this.changed();
    this.checkFinished();
    this.pump();
  }

  private giveUpOverdue(limitMs: number): void {
    for (const late of this.scheduler.overdue(limitMs)) {
      const reason = `no result ${Math.round(limitMs / 1000)} s after the task started`;
      const completion = this.scheduler.complete(late.worker, late.index, late.attempt, false, reason);
      const index = this.taskIndex(late.index);
      if (completion === 'failed') this.inputs?.release(index);
      this.slots.get(late.worker)?.worker.peer.send({ t: 'cancel', index, attempt: late.attempt });
      this.log(`task ${index} (attempt ${late.attempt}): ${reason}`);
    }
    this.checkFinished();
    this.pump();
  }

  private checkFinished(): void {
    if (!this.scheduler.finished) return;
    const { failed, total } = this.scheduler.counts();
    this.end(
      failed === 0
        ? { status: 'succeeded', exitCode: EXIT.ok, reason: `all ${total} tasks succeeded` }
        : { status: 'failed', exitCode: EXIT.runFailed, reason: `${failed} of ${total} tasks failed` },
    );
  }

  private end(outcome: RunOutcome): void {
    if (this.done) return;
    this.done = true;
    clearInterval(this.overdueTimer);
    this.inputs?.close();
    this.resolve(outcome);
  }
}

async function readStoredOutput(store: RunStore, index: number): Promise<string | undefined> {
  const data = await store.read(`${KEYS.taskPrefix(index)}output.json`);
  return data === undefined ? undefined : compact(data.toString('utf8'));
}

/** Line breaks and runs of white space become single spaces; long text is cut. */
function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > REASON_CHARS ? `${line.slice(0, REASON_CHARS - 1)}…` : line;
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

/** One line of JSON, or undefined when the text is not JSON. */
function compact(text: string): string | undefined {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return undefined;
  }
}
