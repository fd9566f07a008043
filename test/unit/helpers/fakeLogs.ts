// An in-memory CloudWatch Logs with CloudWatch's token rules (a forward token at the end comes back
// unchanged), failure injection and an optional Live Tail. For unit tests only.
import type {
  GetLogEventsPage,
  GetLogEventsRequest,
  LiveTailMessage,
  LiveTailRequest,
  LogEvent,
  LogsApi,
} from '../../../src/aws/logsApi';
import { LiveTailUnavailable } from '../../../src/aws/logsApi';

export function awsError(name: string, message = name, status = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

export function networkError(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
}

export class FakeLogs implements LogsApi {
  readonly streams = new Map<string, LogEvent[]>();
  calls = 0;
  /** Errors thrown by the next calls, in order. */
  readonly failures: Error[] = [];
  /** Called before each answer; may throw. */
  beforeAnswer: ((request: GetLogEventsRequest) => void) | undefined;
  /** Answer tokens as stale once (InvalidParameterException) for this stream. */
  expireTokensOf: string | undefined;
  startLiveTail: LogsApi['startLiveTail'];
  private live: FakeLiveTail | undefined;

  constructor(options: { liveTail?: 'none' | 'unavailable' | 'working' } = {}) {
    if (options.liveTail === 'unavailable') {
      this.startLiveTail = async () => {
        throw new LiveTailUnavailable('not here');
      };
    } else if (options.liveTail === 'working') {
      this.startLiveTail = async (request, signal) => {
        this.live = new FakeLiveTail(request, signal);
        return this.live.messages();
      };
    }
  }

  get liveSession(): FakeLiveTail | undefined {
    return this.live;
  }

  /** Appends events (timestamps default to now, strictly increasing per call). */
  put(stream: string, messages: string[], timestamp?: number): LogEvent[] {
    const events = this.streams.get(stream) ?? [];
    this.streams.set(stream, events);
    const base = timestamp ?? Date.now();
    const added = messages.map((message, i) => ({ timestamp: base + i / 1000, message, ingestionTime: Date.now() }));
    events.push(...added);
    return added;
  }

  createStream(stream: string): void {
    if (!this.streams.has(stream)) this.streams.set(stream, []);
  }

  async getLogEvents(request: GetLogEventsRequest, signal?: AbortSignal): Promise<GetLogEventsPage> {
    this.calls++;
    await new Promise((resolve) => setImmediate(resolve));
    if (signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.beforeAnswer?.(request);
    const events = this.streams.get(request.logStreamName);
    if (!events) throw awsError('ResourceNotFoundException', 'The specified log stream does not exist.');
    if (this.expireTokensOf === request.logStreamName && request.nextToken) {
      this.expireTokensOf = undefined;
      throw awsError('InvalidParameterException', 'The specified nextToken is invalid.');
    }
    const limit = request.limit ?? 10000;
    const filtered = events
      .map((event, index) => ({ event, index }))
      .filter(({ event }) => request.startTime === undefined || event.timestamp >= request.startTime);
    const token = request.nextToken;
    if (token?.startsWith('b/') || (!token && !request.startFromHead)) {
      // Backward: the page of `limit` events before the token (or the end).
      const end = token ? filtered.findIndex(({ index }) => index >= Number(token.slice(2))) : filtered.length;
      const stop = end < 0 ? filtered.length : end;
      const start = Math.max(0, stop - limit);
      const page = filtered.slice(start, stop);
      const first = page[0]?.index ?? (token ? Number(token.slice(2)) : 0);
      return {
        events: page.map(({ event }) => event),
        nextBackwardToken: `b/${first}`,
        nextForwardToken: `f/${page[page.length - 1]?.index ?? first}`,
      };
    }
    const after = token ? Number(token.slice(2)) : -1;
    const page = filtered.filter(({ index }) => index > after).slice(0, limit);
    if (!page.length) return { events: [], nextForwardToken: token ?? `f/${after}`, nextBackwardToken: `b/${after}` };
    return {
      events: page.map(({ event }) => event),
      nextForwardToken: `f/${page[page.length - 1].index}`,
      nextBackwardToken: `b/${page[0].index}`,
    };
  }
}

export class FakeLiveTail {
  private readonly queue: LiveTailMessage[] = [{ kind: 'start' }];
  private notify: (() => void) | undefined;
  private ended = false;
  private failure: Error | undefined;

  constructor(
    readonly request: LiveTailRequest,
    private readonly signal: AbortSignal,
  ) {
    signal.addEventListener('abort', () => this.end());
  }

  send(events: (LogEvent & { logStreamName: string })[], sampled = false): void {
    this.queue.push({ kind: 'update', events, sampled });
    this.notify?.();
  }

  fail(error: Error): void {
    this.failure = error;
    this.notify?.();
  }

  end(): void {
    this.ended = true;
    this.notify?.();
  }

  get closed(): boolean {
    return this.ended || this.signal.aborted;
  }

  async *messages(): AsyncIterable<LiveTailMessage> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.notify = resolve));
      this.notify = undefined;
    }
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}
