// One limiter shared by every log follower and full-log document, so that the extension as a whole
// stays under CloudWatch Logs' per-account limit for GetLogEvents / FilterLogEvents (5 requests/s).
// Requests are granted first come, first served, at evenly spaced instants; a throttling answer
// halves the rate and pauses for a second, then the rate creeps back up. No vscode import.
import { Clock, systemClock, throwIfAborted } from '../shared/clock';

export interface RateLimiterOptions {
  ratePerSecond: number;
  clock?: Clock;
  /** The rate never drops below this after throttling. */
  minRatePerSecond?: number;
  /** After this long without throttling, the rate grows by `ratePerSecond / 8`, up to `ratePerSecond` (default 2 s). */
  recoverStepMs?: number;
}

export class RateLimiter {
  private readonly clock: Clock;
  private maxRate: number;
  private rate: number;
  private readonly minRate: number;
  private readonly recoverStepMs: number;
  /** Earliest instant at which the next request may start. */
  private nextSlot = -Infinity;
  private lastAdjust = -Infinity;
  private lastDecrease = -Infinity;
  private grantedCount = 0;
  private throttledCount = 0;

  constructor(options: RateLimiterOptions) {
    this.clock = options.clock ?? systemClock;
    this.maxRate = positive(options.ratePerSecond);
    this.rate = this.maxRate;
    this.minRate = Math.min(this.maxRate, options.minRatePerSecond ?? 0.5);
    this.recoverStepMs = options.recoverStepMs ?? 2000;
  }

  /** Waits for this caller's turn. An aborted wait gives up its turn (the slot stays used). */
  async acquire(signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    const now = this.clock.now();
    this.recover(now);
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 1000 / this.rate;
    if (slot > now) await this.clock.sleep(slot - now, signal);
    this.grantedCount++;
  }

  /**
   * The service answered "throttled": slow everyone down. Answers to requests that were already on
   * their way count once: the rate is halved at most once a second.
   */
  throttled(): void {
    const now = this.clock.now();
    this.throttledCount++;
    this.lastAdjust = now;
    if (now - this.lastDecrease < 1000) return;
    this.rate = Math.max(this.minRate, this.rate / 2);
    this.lastDecrease = now;
    this.nextSlot = Math.max(this.nextSlot, now + 1000);
  }

  /** A new ceiling (e.g. the setting changed); takes effect from the next request. */
  setRate(ratePerSecond: number): void {
    this.maxRate = positive(ratePerSecond);
    this.rate = Math.min(this.rate, this.maxRate);
    if (this.throttledCount === 0) this.rate = this.maxRate;
  }

  get currentRate(): number {
    return this.rate;
  }

  get stats(): { granted: number; throttled: number } {
    return { granted: this.grantedCount, throttled: this.throttledCount };
  }

  private recover(now: number): void {
    if (this.rate >= this.maxRate) return;
    if (now - this.lastAdjust < this.recoverStepMs) return;
    const steps = Math.floor((now - this.lastAdjust) / this.recoverStepMs);
    this.rate = Math.min(this.maxRate, this.rate + (steps * this.maxRate) / 8);
    this.lastAdjust = now;
  }
}

function positive(rate: number): number {
  if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`rate must be a positive number, got ${rate}`);
  return rate;
}
