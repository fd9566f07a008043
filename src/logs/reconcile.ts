// Live Tail shows events within about a second, but it may sample (over 500 events/s), it only sees
// events ingested after the session started, and a session can drop. So the GetLogEvents cursor keeps
// reading every stream (slowly while Live Tail is healthy) and this class decides, per stream, which
// copy of an event is shown: whichever arrives first; the other copy is swallowed. Events are matched
// by timestamp and message, with multiplicity (two identical lines in the same millisecond are two
// lines). No vscode import.
import type { LogEvent } from '../aws/logsApi';

interface Pending {
  count: number;
  /** When the first unmatched copy was recorded (local clock). */
  at: number;
}

function keyOf(event: LogEvent): string {
  return `${event.timestamp}\u0000${event.message}`;
}

export class LiveReconciler {
  /** Shown from Live Tail, not yet seen by the cursor. */
  private readonly fromLiveTail = new Map<string, Pending>();
  /** Shown from the cursor, may still come through Live Tail. */
  private readonly fromCursor = new Map<string, Pending>();

  /**
   * @param liveWindowMs Live Tail only delivers recently ingested events: a cursor event older than
   *   this (by ingestion time, or by when it was recorded) will not come through Live Tail any more.
   */
  constructor(private readonly liveWindowMs = 60_000) {}

  /** An event from Live Tail: true when it should be shown. */
  acceptLive(event: LogEvent, now: number): boolean {
    const key = keyOf(event);
    if (take(this.fromCursor, key)) return false;
    add(this.fromLiveTail, key, now);
    return true;
  }

  /** An event from the cursor: true when it should be shown. */
  acceptCursor(event: LogEvent, now: number): boolean {
    const key = keyOf(event);
    if (take(this.fromLiveTail, key)) return false;
    const ingested = event.ingestionTime ?? event.timestamp;
    if (now - ingested < this.liveWindowMs) add(this.fromCursor, key, now);
    return true;
  }

  /** Forget cursor events that Live Tail can no longer deliver. */
  prune(now: number): void {
    for (const [key, pending] of this.fromCursor)
      if (now - pending.at >= this.liveWindowMs) this.fromCursor.delete(key);
  }

  get pending(): { live: number; cursor: number } {
    return { live: this.fromLiveTail.size, cursor: this.fromCursor.size };
  }
}

function add(map: Map<string, Pending>, key: string, now: number): void {
  const pending = map.get(key);
  if (pending) pending.count++;
  else map.set(key, { count: 1, at: now });
}

function take(map: Map<string, Pending>, key: string): boolean {
  const pending = map.get(key);
  if (!pending) return false;
  if (--pending.count === 0) map.delete(key);
  return true;
}
