// The whole log of a job as one text, newest pages first: each stream is read backwards a page at a
// time, and only events at or after the oldest instant for which every stream is complete are shown,
// so the merged text never has holes. "Load older events" reads one more page of each stream that
// has more. No vscode import.
import { classifyLogsError, LogEvent, LogsApi } from '../aws/logsApi';
import { dateTime } from './format';

export interface FullLogSource {
  label?: string;
  logGroupName: string;
  logStreamName: string;
}

interface StreamState {
  source: FullLogSource;
  order: number;
  /** Ascending. */
  events: LogEvent[];
  backwardToken: string | undefined;
  exhausted: boolean;
  missing: boolean;
}

export class FullLog {
  private readonly streams: StreamState[];
  private loaded = false;

  constructor(
    private readonly api: LogsApi,
    sources: readonly FullLogSource[],
    private readonly pageSize = 10_000,
  ) {
    this.streams = sources.map((source, order) => ({
      source,
      order,
      events: [],
      backwardToken: undefined,
      exhausted: false,
      missing: false,
    }));
  }

  get hasOlder(): boolean {
    return this.streams.some((s) => !s.exhausted);
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  /** The newest page of every stream. */
  async load(signal?: AbortSignal): Promise<void> {
    for (const stream of this.streams) {
      await this.readPage(stream, signal);
      // A short page is very probably the whole stream; one more read confirms it, so that the
      // document does not offer older events that do not exist.
      if (!stream.exhausted && stream.events.length < this.pageSize) await this.readPage(stream, signal);
    }
    this.loaded = true;
  }

  /** One more page of every stream that has older events. */
  async loadOlder(signal?: AbortSignal): Promise<void> {
    if (!this.loaded) return this.load(signal);
    const cutoff = this.cutoff();
    for (const stream of this.streams) {
      // A stream whose loaded events already reach further back than the cutoff need not read more yet.
      if (!stream.exhausted && (stream.events[0]?.timestamp ?? Infinity) >= cutoff) await this.readPage(stream, signal);
    }
  }

  /** Events shown: every stream's events at or after the cutoff, merged by time. */
  visible(): { label?: string; event: LogEvent }[] {
    const cutoff = this.cutoff();
    const all: { label?: string; event: LogEvent; order: number }[] = [];
    for (const stream of this.streams) {
      for (const event of stream.events)
        if (event.timestamp >= cutoff) all.push({ label: stream.source.label, event, order: stream.order });
    }
    // Array.prototype.sort is stable: within a stream, and among equal timestamps, order is kept.
    return all.sort((a, b) => a.event.timestamp - b.event.timestamp || a.order - b.order);
  }

  render(): string {
    const lines: string[] = [];
    const visible = this.visible();
    if (this.hasOlder) {
      lines.push(`… older events not loaded yet: use “Load Older Events” to read more.`);
    }
    const missing = this.streams.filter((s) => s.missing);
    for (const stream of missing) lines.push(`(log stream ${stream.source.logStreamName} does not exist)`);
    if (!visible.length && !missing.length) lines.push('(no log events)');
    for (const { label, event } of visible) {
      const prefix = `${dateTime(event.timestamp)} ${label ? `[${label}] ` : ''}`;
      for (const part of event.message.replace(/\r?\n$/, '').split(/\r?\n/)) lines.push(prefix + part);
    }
    return lines.join('\n') + '\n';
  }

  private cutoff(): number {
    let cutoff = -Infinity;
    for (const stream of this.streams) {
      if (stream.exhausted) continue;
      const oldest = stream.events[0]?.timestamp ?? Infinity;
      if (oldest > cutoff) cutoff = oldest;
    }
    return cutoff;
  }

  private async readPage(stream: StreamState, signal?: AbortSignal): Promise<void> {
    // CloudWatch may answer an empty page with a new token (a quiet stretch): read on, a few times.
    for (let empty = 0; !stream.exhausted && empty < 10; empty++) {
      const sent = stream.backwardToken;
      let page;
      try {
        page = await this.api.getLogEvents(
          {
            logGroupName: stream.source.logGroupName,
            logStreamName: stream.source.logStreamName,
            nextToken: sent,
            startFromHead: false,
            limit: this.pageSize,
          },
          signal,
        );
      } catch (error) {
        if (classifyLogsError(error) !== 'notFound') throw error;
        stream.exhausted = true;
        stream.missing = true;
        return;
      }
      stream.events = [...page.events, ...stream.events];
      stream.backwardToken = page.nextBackwardToken;
      if (page.nextBackwardToken === undefined || page.nextBackwardToken === sent) stream.exhausted = true;
      if (page.events.length) return;
    }
  }
}
