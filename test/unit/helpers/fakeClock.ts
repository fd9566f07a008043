// A clock whose time only moves when the test says so.
import { AbortError, type Clock } from '../../../src/shared/clock';

export class FakeClock implements Clock {
  private time: number;
  private timers: { at: number; resolve: () => void }[] = [];

  /** `start`: the first now(), e.g. Date.now() where the code compares it with real timestamps. */
  constructor(start = 0) {
    this.time = start;
  }

  /** setTimeout on this clock's time (the Poller's Timers). */
  setTimeout(callback: () => void, ms: number): unknown {
    const timer = { at: this.time + ms, resolve: callback };
    this.timers.push(timer);
    return timer;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t !== handle);
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new AbortError());
      const timer = { at: this.time + ms, resolve };
      this.timers.push(timer);
      signal?.addEventListener('abort', () => {
        this.timers = this.timers.filter((t) => t !== timer);
        reject(new AbortError());
      });
    });
  }

  /** Moves time forward, waking sleepers in order, letting promise callbacks run between them. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.time = next.at;
      next.resolve();
      for (let i = 0; i < 10; i++) await Promise.resolve();
    }
    this.time = end;
  }
}
