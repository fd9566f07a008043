// Runs a refresh on an interval, one at a time, only while someone is looking. No vscode import.

/** The two timer calls the poller makes; injectable so tests drive time (test/unit/helpers/fakeClock.ts). */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The process's timers; a pending poll never keeps a process alive on its own. */
export const systemTimers: Timers = {
  setTimeout: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    timer.unref?.();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class Poller {
  private timer: unknown;
  private running = false;
  private disposed = false;

  constructor(
    private readonly tick: () => Promise<void>,
    private intervalMs: number,
    private readonly timers: Timers = systemTimers,
  ) {}

  /** Starts polling (first tick after one interval); a no-op when already running. */
  start(): void {
    if (this.running || this.disposed) return;
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Applies from the next scheduled tick; a pending wait is restarted with the new interval. */
  setInterval(intervalMs: number): void {
    if (intervalMs === this.intervalMs) return;
    this.intervalMs = intervalMs;
    if (this.running && this.timer !== undefined) {
      this.timers.clearTimeout(this.timer);
      this.schedule();
    }
  }

  get isRunning(): boolean {
    return this.running;
  }

  dispose(): void {
    this.stop();
    this.disposed = true;
  }

  private schedule(): void {
    this.timer = this.timers.setTimeout(async () => {
      this.timer = undefined;
      try {
        await this.tick();
      } catch {
        // A tick reports its own failures (the models keep them in `problem`); polling goes on.
      } finally {
        // The next tick is scheduled after this one settles, so slow calls never pile up.
        if (this.running) this.schedule();
      }
    }, this.intervalMs);
  }
}
