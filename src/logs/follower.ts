// Follows any number of log streams until told that their producers are done, and delivers their
// events once each, merged in timestamp order. Every stream is read with a GetLogEvents cursor
// (StreamCursor) on an adaptive schedule: right away while pages are full, fast while lines arrive,
// slower and slower while idle. Where the endpoint has Live Tail, one session covers the streams and
// shows lines as soon as they are ingested; the cursors then only reconcile (LiveReconciler), so a
// sampled or dropped session loses nothing. A stream is retired once its producer is done and a read
// that started at least settleMs later reached its end. No vscode import.
import { explainAwsError } from '../shared/awsProblem';
import { AbortError, Clock, isAbort, systemClock } from '../shared/clock';
import { classifyLogsError, isLiveTailUnavailable, LogEvent, LogsApi, LogsErrorKind } from '../aws/logsApi';
import { MergeBuffer } from './merge';
import { LiveReconciler } from './reconcile';
import { StreamCursor } from './streamCursor';

export interface FollowSource {
  /** Unique within the follower. */
  id: string;
  /** Shown as a `[label]` prefix; undefined for a job with a single stream. */
  label?: string;
  logGroupName: string;
  logStreamName: string;
}

export interface FollowedLine {
  sourceId: string;
  label?: string;
  timestamp: number;
  message: string;
}

export interface FollowProblem {
  kind: Exclude<LogsErrorKind, 'notFound' | 'invalidToken' | 'aborted'>;
  /** A sentence for the user; never contains request parameters or credentials. */
  message: string;
}

export type FollowOutcome = { kind: 'ended' } | { kind: 'stopped' } | { kind: 'failed'; problem: FollowProblem };

export interface FollowerOptions {
  api: LogsApi;
  onLines(lines: FollowedLine[]): void;
  /** A problem started (or changed), or undefined when reads work again. */
  onProblem?(problem: FollowProblem | undefined): void;
  /** Things worth a line in the output: Live Tail connected or unavailable, a stream that never appeared. */
  onNotice?(text: string): void;
  clock?: Clock;
  /** Use Live Tail when the API offers it (default true). */
  liveTail?: boolean;
  /** Delay between reads while lines arrive. */
  fastIntervalMs?: number;
  /** Longest delay between reads of an idle stream, at least; grows with the number of streams. */
  idleIntervalMs?: number;
  /** Added to the idle ceiling per open stream, so many idle streams do not eat the request budget. */
  idlePerStreamMs?: number;
  /** Delay between reconciling reads of a stream that Live Tail covers. */
  liveReconcileMs?: number;
  retryMaxMs?: number;
  maxHoldMs?: number;
  settleMs?: number;
  /** How long after its producer is done a stream that never appeared is still looked for. */
  missingGraceMs?: number;
  pageLimit?: number;
}

interface Source {
  spec: FollowSource;
  cursor: StreamCursor;
  reconciler: LiveReconciler;
  dueAt: number;
  interval: number;
  failures: number;
  finishedAt: number | undefined;
  retired: boolean;
  existed: boolean;
  /** Covered by the current Live Tail session. */
  live: boolean;
  /** Live Tail sampled this stream recently: read it fast until then. */
  sampledUntil: number;
  /** Read to its end at least once. */
  caughtUpOnce: boolean;
}

const DEFAULTS = {
  fastIntervalMs: 200,
  idleIntervalMs: 2000,
  idlePerStreamMs: 500,
  liveReconcileMs: 15_000,
  retryMaxMs: 15_000,
  maxHoldMs: 1500,
  settleMs: 2000,
  missingGraceMs: 30_000,
  pageLimit: 10_000,
};

export class LogFollower {
  private readonly options: typeof DEFAULTS & FollowerOptions;
  private readonly clock: Clock;
  private readonly sources = new Map<string, Source>();
  private readonly merge: MergeBuffer<FollowedLine>;
  private readonly controller = new AbortController();
  private currentWait: AbortController | undefined;
  private pendingWake = false;
  private sessionController: AbortController | undefined;
  private liveState: 'off' | 'starting' | 'active' | 'unavailable';
  private liveEverActive = false;
  private problem: FollowProblem | undefined;
  private ending = false;
  private started = false;
  private outcome: Promise<FollowOutcome> | undefined;
  private linesDelivered = 0;
  private liveTailReason: string | undefined;

  constructor(options: FollowerOptions) {
    this.options = { ...DEFAULTS, ...stripUndefined(options) } as typeof DEFAULTS & FollowerOptions;
    this.clock = options.clock ?? systemClock;
    this.merge = new MergeBuffer(this.options.maxHoldMs);
    this.liveState = options.liveTail !== false && options.api.startLiveTail ? 'starting' : 'off';
  }

  get stats(): { lines: number; sources: number; open: number; liveTail: string; liveTailReason?: string } {
    const open = [...this.sources.values()].filter((s) => !s.retired).length;
    return {
      lines: this.linesDelivered,
      sources: this.sources.size,
      open,
      liveTail: this.liveState,
      liveTailReason: this.liveTailReason,
    };
  }

  /** Starts following a stream from its first event. Adding a known id again changes nothing. */
  addSource(spec: FollowSource): void {
    if (this.sources.has(spec.id)) return;
    const now = this.clock.now();
    this.sources.set(spec.id, {
      spec,
      cursor: new StreamCursor(this.options.api, spec.logGroupName, spec.logStreamName, this.options.pageLimit),
      reconciler: new LiveReconciler(),
      dueAt: now,
      interval: 0,
      failures: 0,
      finishedAt: undefined,
      retired: false,
      existed: false,
      live: false,
      sampledUntil: 0,
      caughtUpOnce: false,
    });
    this.merge.addSource(spec.id);
    // A Live Tail session names its streams: a new one needs a new session.
    if (this.liveState === 'active') this.sessionController?.abort();
    this.wake();
  }

  hasSource(id: string): boolean {
    return this.sources.has(id);
  }

  /** The producer of this stream is done (its job reached a terminal state at `at`). */
  finishSource(id: string, at = this.clock.now()): void {
    const source = this.sources.get(id);
    if (!source || source.finishedAt !== undefined) return;
    source.finishedAt = at;
    source.dueAt = Math.min(source.dueAt, at + this.options.settleMs);
    this.wake();
  }

  /** Runs until end() and every stream drained, stop(), or a problem that retrying cannot fix. */
  start(): Promise<FollowOutcome> {
    if (!this.started) {
      this.started = true;
      this.outcome = this.run();
      void this.liveLoop();
    }
    return this.outcome!;
  }

  /** No more sources will be added: finish once every stream is retired. */
  end(): Promise<FollowOutcome> {
    this.ending = true;
    this.wake();
    return this.start();
  }

  stop(): void {
    this.controller.abort();
    this.currentWait?.abort();
  }

  private get signal(): AbortSignal {
    return this.controller.signal;
  }

  private async run(): Promise<FollowOutcome> {
    try {
      while (!this.signal.aborted) {
        const now = this.clock.now();
        this.release(now);
        if (this.ending && [...this.sources.values()].every((s) => s.retired)) {
          this.release(now, true);
          return { kind: 'ended' };
        }
        if (this.problem?.kind === 'fatal') {
          this.release(now, true);
          return { kind: 'failed', problem: this.problem };
        }
        let next: Source | undefined;
        for (const source of this.sources.values()) {
          if (!source.retired && (!next || source.dueAt < next.dueAt)) next = source;
        }
        if (next && next.dueAt <= now) {
          await this.read(next);
          continue;
        }
        const wakeAt = Math.min(next?.dueAt ?? Infinity, this.merge.nextDeadline() ?? Infinity);
        await this.waitUntil(wakeAt);
      }
    } catch (error) {
      if (!isAbort(error)) throw error;
    } finally {
      this.sessionController?.abort();
    }
    this.release(this.clock.now(), true);
    return { kind: 'stopped' };
  }

  private async read(source: Source): Promise<void> {
    const startedAt = this.clock.now();
    const { fastIntervalMs: fast, pageLimit } = this.options;
    let result;
    try {
      result = await source.cursor.read(this.signal);
    } catch (error) {
      if (this.signal.aborted || isAbort(error)) throw error;
      this.failed(source, error);
      return;
    }
    const now = this.clock.now();
    source.failures = 0;
    if (this.problem && [...this.sources.values()].every((s) => s.failures === 0)) this.setProblem(undefined);

    if (result.missing) {
      this.merge.caughtUp(source.spec.id, startedAt);
      source.caughtUpOnce = true;
      const grace = source.existed ? this.options.settleMs : this.options.missingGraceMs;
      if (source.finishedAt !== undefined && startedAt >= source.finishedAt + grace) {
        if (!source.existed) this.notice(`No log stream ${source.spec.logStreamName} appeared; the job wrote no log.`);
        this.retire(source);
        return;
      }
      source.interval = Math.min(Math.max(source.interval * 2, fast * 4), this.idleCeiling());
      this.schedule(source, now);
      return;
    }

    source.existed = true;
    const shown = this.liveEverActive
      ? result.events.filter((event) => source.reconciler.acceptCursor(event, now))
      : result.events;
    this.merge.push(source.spec.id, shown.map(lineOf(source.spec)), now);
    if (result.partial) {
      this.merge.caughtUp(source.spec.id, startedAt);
      source.caughtUpOnce = true;
    }
    if (result.caughtUp && source.finishedAt !== undefined && startedAt >= source.finishedAt + this.options.settleMs) {
      this.retire(source);
      return;
    }

    const more = !result.caughtUp && (result.events.length >= pageLimit || result.events.length === 0);
    const liveCovered = source.live && now >= source.sampledUntil;
    if (more) source.interval = 0;
    else if (shown.length > 0) source.interval = fast;
    else if (liveCovered) source.interval = this.options.liveReconcileMs;
    else if (result.events.length > 0) source.interval = fast;
    else source.interval = Math.min(Math.max(source.interval * 2, fast * 2), this.idleCeiling());
    this.schedule(source, now);
  }

  private schedule(source: Source, now: number): void {
    let due = now + source.interval;
    if (source.finishedAt !== undefined) {
      // After the producer is done: read again once the stream has settled, sooner if lines still come.
      const settledAt = source.finishedAt + this.options.settleMs;
      due = Math.min(due, Math.max(settledAt, now + (source.interval === 0 ? 0 : this.options.fastIntervalMs)));
    }
    source.dueAt = due;
  }

  private failed(source: Source, error: unknown): void {
    const kind = classifyLogsError(error);
    const explained = explainAwsError(error, 'logs:GetLogEvents');
    source.failures++;
    const base = kind === 'throttled' ? 1000 : 500;
    const backoff = Math.min(this.options.retryMaxMs, base * 2 ** Math.min(source.failures - 1, 10));
    source.dueAt = this.clock.now() + backoff * (0.8 + Math.random() * 0.4);
    if (kind === 'fatal') {
      this.setProblem({ kind: 'fatal', message: explained.message });
      return;
    }
    // One failed read is retried quietly; a problem that lasts is said once (and once more when it ends).
    if (source.failures < (kind === 'throttled' ? 3 : 2)) return;
    const message =
      kind === 'throttled'
        ? 'CloudWatch Logs is throttling reads; slowing down and retrying.'
        : `${explained.message} Retrying…`;
    this.setProblem({ kind: kind === 'throttled' ? 'throttled' : 'transient', message });
  }

  private setProblem(problem: FollowProblem | undefined): void {
    const same = problem?.kind === this.problem?.kind && problem?.message === this.problem?.message;
    this.problem = problem;
    if (!same) this.options.onProblem?.(problem);
  }

  private retire(source: Source): void {
    source.retired = true;
    source.live = false;
    this.merge.closeSource(source.spec.id);
  }

  private idleCeiling(): number {
    const open = [...this.sources.values()].filter((s) => !s.retired).length;
    return Math.max(this.options.idleIntervalMs, open * this.options.idlePerStreamMs);
  }

  private release(now: number, all = false): void {
    const lines = this.merge.take(now, all);
    if (!lines.length) return;
    this.linesDelivered += lines.length;
    this.options.onLines(lines);
  }

  private notice(text: string): void {
    this.options.onNotice?.(text);
  }

  private wake(): void {
    if (this.currentWait) this.currentWait.abort();
    else this.pendingWake = true;
  }

  /** Sleeps until `at`, or until wake() or stop(). */
  private async waitUntil(at: number): Promise<void> {
    if (this.pendingWake) {
      this.pendingWake = false;
      return;
    }
    const ms = at === Infinity ? 3_600_000 : at - this.clock.now();
    if (ms <= 0) return;
    const wait = new AbortController();
    this.currentWait = wait;
    try {
      await this.clock.sleep(ms, wait.signal);
    } catch {
      // woken early
    } finally {
      this.currentWait = undefined;
    }
    if (this.signal.aborted) throw new AbortError();
  }

  // ---- Live Tail ----

  private async liveLoop(): Promise<void> {
    const startLiveTail = this.options.api.startLiveTail?.bind(this.options.api);
    if (this.liveState === 'off' || !startLiveTail) return;
    let failures = 0;
    while (!this.signal.aborted) {
      const open = [...this.sources.values()].filter((s) => !s.retired);
      // Start once the history is read, so that live lines come after it.
      if (!open.length || open.some((s) => !s.caughtUpOnce && !s.retired)) {
        if (this.ending && !open.length) return;
        await this.clock.sleep(this.options.fastIntervalMs * 5, this.signal).catch(() => undefined);
        continue;
      }
      const group = open[0].spec.logGroupName;
      const covered = open.filter((s) => s.spec.logGroupName === group).slice(0, 100);
      const byStream = new Map(covered.map((s) => [s.spec.logStreamName, s]));
      const session = new AbortController();
      this.sessionController = session;
      const signal = AbortSignal.any([this.signal, session.signal]);
      try {
        const messages = await startLiveTail(
          { logGroupName: group, logStreamNames: covered.map((s) => s.spec.logStreamName) },
          signal,
        );
        for await (const message of messages) {
          if (signal.aborted) break;
          if (message.kind === 'start') {
            if (!this.liveEverActive) this.notice('Live Tail connected.');
            this.liveState = 'active';
            this.liveEverActive = true;
            failures = 0;
            for (const source of covered) source.live = !source.retired;
            continue;
          }
          this.acceptLive(byStream, message.events, message.sampled);
        }
      } catch (error) {
        if (this.signal.aborted) return;
        if (isLiveTailUnavailable(error)) {
          this.liveState = 'unavailable';
          this.liveTailReason = error.message;
          this.notice('Live Tail is not available here; reading the log with GetLogEvents.');
          return;
        }
        if (!session.signal.aborted) {
          failures++;
          await this.clock.sleep(Math.min(30_000, 1000 * 2 ** failures), this.signal).catch(() => undefined);
        }
      } finally {
        for (const source of covered) source.live = false;
        if (this.liveState === 'active') this.liveState = 'starting';
      }
    }
  }

  private acceptLive(
    byStream: Map<string, Source>,
    events: (LogEvent & { logStreamName: string })[],
    sampled: boolean,
  ) {
    const now = this.clock.now();
    const perSource = new Map<Source, FollowedLine[]>();
    for (const event of events) {
      const source = byStream.get(event.logStreamName);
      if (!source || source.retired || !source.reconciler.acceptLive(event, now)) continue;
      const list = perSource.get(source) ?? [];
      list.push(lineOf(source.spec)(event));
      perSource.set(source, list);
    }
    for (const [source, lines] of perSource) {
      lines.sort((a, b) => a.timestamp - b.timestamp);
      this.merge.push(source.spec.id, lines, now);
    }
    for (const source of byStream.values()) {
      if (source.retired) continue;
      this.merge.caughtUp(source.spec.id, now - 1000);
      source.reconciler.prune(now);
      if (sampled) {
        // Sampled: the cursor has to fill the gaps, so read fast for a while.
        source.sampledUntil = now + 30_000;
        source.dueAt = Math.min(source.dueAt, now);
      }
    }
    this.wake();
  }
}

function lineOf(spec: FollowSource): (event: LogEvent) => FollowedLine {
  return (event) => ({ sourceId: spec.id, label: spec.label, timestamp: event.timestamp, message: event.message });
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
