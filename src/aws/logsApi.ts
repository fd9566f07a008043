// The slice of CloudWatch Logs that the followers use, as a plain interface: the extension passes an
// adapter over the AWS SDK (./logsFollowApi.ts), the unit tests pass fakes. No vscode import.
import { explainAwsError } from '../shared/awsProblem';

export interface LogEvent {
  /** Milliseconds since the epoch, as the producer stamped it (may carry a fraction with some stand-ins). */
  timestamp: number;
  message: string;
  ingestionTime?: number;
}

export interface GetLogEventsRequest {
  logGroupName: string;
  logStreamName: string;
  nextToken?: string;
  /** Must be true whenever nextToken is a forward token. */
  startFromHead: boolean;
  startTime?: number;
  limit?: number;
}

export interface GetLogEventsPage {
  events: LogEvent[];
  nextForwardToken?: string;
  nextBackwardToken?: string;
}

export interface LiveTailEvent extends LogEvent {
  logStreamName: string;
}

export type LiveTailMessage =
  | { kind: 'start' }
  | {
      kind: 'update';
      events: LiveTailEvent[];
      /** The service dropped events to stay under 500/s. */ sampled: boolean;
    };

export interface LiveTailRequest {
  logGroupName: string;
  /** At most 100 names (a Live Tail limit). */
  logStreamNames: string[];
}

export interface LogsApi {
  /** One GetLogEvents call. Implementations apply the shared rate limit to every attempt. */
  getLogEvents(request: GetLogEventsRequest, signal?: AbortSignal): Promise<GetLogEventsPage>;
  /**
   * Opens a Live Tail session. Rejects with LiveTailUnavailable when the endpoint (or the caller's
   * permissions) has none; other rejections and a stream that ends are transient.
   */
  startLiveTail?(request: LiveTailRequest, signal: AbortSignal): Promise<AsyncIterable<LiveTailMessage>>;
}

/** The endpoint cannot do Live Tail (a stand-in without it, no permission, a region without it). */
export class LiveTailUnavailable extends Error {
  override name = 'LiveTailUnavailable';
}

/** By name as well: the adapter that throws it lives in the separately bundled dist/aws.js. */
export function isLiveTailUnavailable(error: unknown): error is LiveTailUnavailable {
  return error instanceof LiveTailUnavailable || (error as { name?: unknown } | null)?.name === 'LiveTailUnavailable';
}

export type LogsErrorKind = 'notFound' | 'invalidToken' | 'throttled' | 'aborted' | 'fatal' | 'transient';

/** What a follower should do about a failed call. */
export function classifyLogsError(error: unknown): LogsErrorKind {
  const err = (typeof error === 'object' && error !== null ? error : {}) as { name?: string; message?: string };
  if (err.name === 'AbortError') return 'aborted';
  if (err.name === 'ResourceNotFoundException') return 'notFound';
  if (err.name === 'InvalidParameterException' && /token/i.test(err.message ?? '')) return 'invalidToken';
  const problem = explainAwsError(error, 'logs:GetLogEvents');
  if (problem.kind === 'throttled') return 'throttled';
  // Permissions do not fix themselves; credentials may (the user signs in again), so those retry.
  if (problem.kind === 'accessDenied' || problem.kind === 'invalidRequest') return 'fatal';
  return 'transient';
}
