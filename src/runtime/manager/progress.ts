// progress.json, rewritten as tasks finish but at most once per interval, so a run of many short
// tasks does not turn into a stream of S3 PUTs. Writes never overlap and the last state always lands.
// Every write carries `seq`, one more than the write before (the first is 1), so a reader can tell
// a new state from one it has seen.
import { describeError, type Log } from '../log';
import { KEYS, type RunStore } from '../store/store';

export class ProgressWriter {
  private lastWrite = 0;
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();
  /** Writes so far: the next one carries `seq` = this + 1. */
  private seq = 0;

  constructor(
    private readonly store: RunStore,
    private readonly intervalMs: number,
    private readonly snapshot: () => object,
    private readonly log: Log,
  ) {}

  /** Something changed: write now, or once the interval since the last write has passed. */
  changed(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastWrite + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, wait);
  }

  /** Writes the current state now (and waits for it), cancelling a pending throttled write. */
  async flush(extra: Record<string, unknown> = {}): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.write(extra);
  }

  private write(extra: Record<string, unknown> = {}): Promise<void> {
    this.lastWrite = Date.now();
    const body = JSON.stringify(
      { seq: ++this.seq, ...this.snapshot(), ...extra, updatedAt: new Date().toISOString() },
      null,
      2,
    );
    this.writing = this.writing
      .then(() => this.store.write(KEYS.progress, body + '\n'))
      .catch((error) => this.log(`could not write progress.json: ${describeError(error)}`));
    return this.writing;
  }
}
