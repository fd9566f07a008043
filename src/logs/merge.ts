// Merges several log streams into one sequence in timestamp order while they are still being read.
// An event is held until every other open stream has been read to its end at or after the moment the
// event arrived (so an earlier event from a slower stream can still go first), or until it has been
// held for maxHoldMs. Events of one stream always keep their own order. Nothing is ever dropped: an
// event that arrives late is released at the next take(), just out of order. No vscode import.

export interface Timestamped {
  timestamp: number;
}

interface Held<T> {
  item: T;
  receivedAt: number;
}

interface SourceState<T> {
  order: number;
  queue: Held<T>[];
  head: number;
  /** The source was read to its end by a read that started at this instant. */
  caughtUpAt: number;
  /** A closed source has nothing more to deliver and blocks nobody. */
  closed: boolean;
}

export class MergeBuffer<T extends Timestamped> {
  private readonly sources = new Map<string, SourceState<T>>();
  private nextOrder = 0;
  private held = 0;

  constructor(private readonly maxHoldMs: number) {}

  /** Registers a source; until its first read reaches the end, it holds back the others (up to maxHoldMs). */
  addSource(id: string): void {
    if (!this.sources.has(id))
      this.sources.set(id, { order: this.nextOrder++, queue: [], head: 0, caughtUpAt: -Infinity, closed: false });
  }

  /** The source will deliver nothing more; what it queued is still released in order. */
  closeSource(id: string): void {
    const source = this.sources.get(id);
    if (source) source.closed = true;
  }

  push(id: string, items: readonly T[], receivedAt: number): void {
    if (!items.length) return;
    this.addSource(id);
    const source = this.sources.get(id)!;
    for (const item of items) source.queue.push({ item, receivedAt });
    this.held += items.length;
  }

  caughtUp(id: string, at: number): void {
    const source = this.sources.get(id);
    if (source && at > source.caughtUpAt) source.caughtUpAt = at;
  }

  get size(): number {
    return this.held;
  }

  /** The instant at which the oldest held event must be released anyway, if any is held. */
  nextDeadline(): number | undefined {
    let oldest = Infinity;
    for (const source of this.sources.values()) {
      const head = source.queue[source.head];
      if (head && head.receivedAt < oldest) oldest = head.receivedAt;
    }
    return oldest === Infinity ? undefined : oldest + this.maxHoldMs;
  }

  /** Every event that may be released now, in merged order. `all` releases everything held. */
  take(now: number, all = false): T[] {
    const out: T[] = [];
    for (;;) {
      let best: SourceState<T> | undefined;
      for (const source of this.sources.values()) {
        const head = source.queue[source.head];
        if (!head) continue;
        const bestHead = best?.queue[best.head];
        if (
          !bestHead ||
          head.item.timestamp < bestHead.item.timestamp ||
          (head.item.timestamp === bestHead.item.timestamp && source.order < best!.order)
        ) {
          best = source;
        }
      }
      if (!best) break;
      const head = best.queue[best.head];
      if (!all && !this.releasable(best, head, now)) break;
      out.push(head.item);
      best.head++;
      this.held--;
      if (best.head > 1024 && best.head * 2 > best.queue.length) {
        best.queue = best.queue.slice(best.head);
        best.head = 0;
      }
    }
    for (const [id, source] of this.sources) {
      if (source.closed && source.head >= source.queue.length) this.sources.delete(id);
    }
    return out;
  }

  private releasable(owner: SourceState<T>, head: Held<T>, now: number): boolean {
    if (now - head.receivedAt >= this.maxHoldMs) return true;
    for (const source of this.sources.values()) {
      if (source === owner || source.closed) continue;
      // Strictly later: a read that started in the same clock tick may have missed the event's peers.
      if (source.caughtUpAt <= head.receivedAt) return false;
    }
    return true;
  }
}
