// Runs a refresh on an interval, one at a time, only while someone is looking. No vscode import.

export class Poller {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private disposed = false;

  constructor(
    private readonly tick: () => Promise<void>,
    private intervalMs: number,
  ) {}

  /** Starts polling (first tick after one interval); a no-op when already running. */
  start(): void {
    if (this.running || this.disposed) return;
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Applies from the next scheduled tick; a pending wait is restarted with the new interval. */
  setInterval(intervalMs: number): void {
    if (intervalMs === this.intervalMs) return;
    this.intervalMs = intervalMs;
    if (this.running && this.timer) {
      clearTimeout(this.timer);
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
    this.timer = setTimeout(async () => {
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
    // Polling must never keep a process alive on its own.
    this.timer.unref?.();
  }
}
