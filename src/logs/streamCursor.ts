// Reads one log stream forward with GetLogEvents tokens, so that each event is returned exactly once
// however often a read fails, is retried or is throttled: the token only moves when a page arrived.
// A token the service no longer accepts is replaced by a read from the last timestamp seen, skipping
// the events at that timestamp that were already returned. No vscode import.
import { classifyLogsError, LogEvent, LogsApi } from '../aws/logsApi';

export interface ReadResult {
  events: LogEvent[];
  /** The stream does not exist (yet). */
  missing: boolean;
  /** The service returned the token it was given: nothing more to read right now. */
  caughtUp: boolean;
  /** The page was not full; the stream is very probably read to its end (used for ordering only). */
  partial: boolean;
}

export class StreamCursor {
  private token: string | undefined;
  /** Set after an invalid token: the next read starts at this timestamp. */
  private resumeFrom: number | undefined;
  private lastTimestamp: number | undefined;
  /** Messages already returned at lastTimestamp, with multiplicity. */
  private atLastTimestamp = new Map<string, number>();
  private skipAtResume: Map<string, number> | undefined;
  private eventsRead = 0;

  constructor(
    private readonly api: LogsApi,
    readonly logGroupName: string,
    readonly logStreamName: string,
    private readonly limit = 10000,
  ) {}

  get count(): number {
    return this.eventsRead;
  }

  /** One request. Throws what the service throws, except "no such stream" and a stale token. */
  async read(signal?: AbortSignal): Promise<ReadResult> {
    for (let attempt = 0; ; attempt++) {
      const sent = this.token;
      const startTime = sent === undefined ? this.resumeFrom : undefined;
      let page;
      try {
        page = await this.api.getLogEvents(
          {
            logGroupName: this.logGroupName,
            logStreamName: this.logStreamName,
            nextToken: sent,
            startFromHead: true,
            startTime,
            limit: this.limit,
          },
          signal,
        );
      } catch (error) {
        const kind = classifyLogsError(error);
        if (kind === 'notFound') return { events: [], missing: true, caughtUp: true, partial: true };
        if (kind === 'invalidToken' && sent !== undefined && attempt === 0) {
          this.token = undefined;
          this.resumeFrom = this.lastTimestamp;
          this.skipAtResume = new Map(this.atLastTimestamp);
          continue;
        }
        throw error;
      }
      let events = page.events;
      if (this.skipAtResume) events = this.dropAlreadyRead(events);
      this.token = page.nextForwardToken ?? sent;
      if (page.nextForwardToken !== undefined) this.resumeFrom = undefined;
      this.remember(events);
      this.eventsRead += events.length;
      const caughtUp = sent !== undefined && page.nextForwardToken === sent;
      return {
        events,
        missing: false,
        caughtUp,
        partial: caughtUp || (page.events.length > 0 && page.events.length < this.limit),
      };
    }
  }

  private dropAlreadyRead(events: LogEvent[]): LogEvent[] {
    const skip = this.skipAtResume!;
    const kept: LogEvent[] = [];
    for (const event of events) {
      if (this.lastTimestamp !== undefined && event.timestamp < this.lastTimestamp) continue;
      const left = event.timestamp === this.lastTimestamp ? (skip.get(event.message) ?? 0) : 0;
      if (left > 0) {
        skip.set(event.message, left - 1);
        continue;
      }
      kept.push(event);
    }
    if (events.some((event) => event.timestamp !== this.lastTimestamp)) this.skipAtResume = undefined;
    return kept;
  }

  private remember(events: LogEvent[]): void {
    for (const event of events) {
      if (this.lastTimestamp === undefined || event.timestamp > this.lastTimestamp) {
        this.lastTimestamp = event.timestamp;
        this.atLastTimestamp = new Map();
      }
      if (event.timestamp === this.lastTimestamp) {
        this.atLastTimestamp.set(event.message, (this.atLastTimestamp.get(event.message) ?? 0) + 1);
      }
    }
  }
}
