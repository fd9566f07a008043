// LogsApi over the AWS SDK's CloudWatch Logs client. Every HTTP attempt of GetLogEvents (the SDK's
// own retries included) waits for the shared rate limiter, and a throttling answer slows the limiter
// down. Live Tail is tried once; where it fails to start (a stand-in without it, a VPC without the
// streaming endpoint, no logs:StartLiveTail permission) the followers poll, and the answer is
// remembered for a while so that every follow does not try again. No vscode import.
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  GetLogEventsCommand,
  StartLiveTailCommand,
  type StartLiveTailResponseStream,
} from '@aws-sdk/client-cloudwatch-logs';
import { explainAwsError } from '../shared/awsProblem';
import type { Clock } from '../shared/clock';
import { systemClock } from '../shared/clock';
import { serviceTarget, type AwsTarget } from './target';
import {
  classifyLogsError,
  GetLogEventsPage,
  GetLogEventsRequest,
  LiveTailMessage,
  LiveTailRequest,
  LiveTailUnavailable,
  LogsApi,
} from './logsApi';

/** What AwsLogsApi needs of a rate limiter (src/logs/rateLimiter.ts is one). */
export interface LogsRequestLimiter {
  /** Waits for this request's turn. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** The service answered "throttled". */
  throttled(): void;
}

export interface AwsLogsApiOptions {
  /** Try Live Tail at all (default true). */
  liveTail?: boolean;
  /** How long a failed Live Tail start is remembered. */
  liveTailRetryMs?: number;
  clock?: Clock;
}

type Middleware = Parameters<GetLogEventsCommand['middlewareStack']['addRelativeTo']>[0];

/**
 * A CloudWatch Logs client for the followers: same region, endpoint and credentials as the shared
 * one, but without the SDK's own retries, so that every request passes the rate limiter once and a
 * throttled or failed read is retried by the follower (which keeps its place) instead of being
 * replayed by the SDK behind the limiter's back.
 */
export function createFollowerLogsClient(
  shared: CloudWatchLogsClient,
  clientsTarget: Pick<AwsTarget, 'region' | 'endpoint' | 'endpoints'>,
): CloudWatchLogsClient {
  const target = serviceTarget(clientsTarget, 'logs');
  return new CloudWatchLogsClient({
    region: target.region,
    endpoint: target.endpoint,
    credentials: shared.config.credentials,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 5000, requestTimeout: 60_000 },
  });
}

export class AwsLogsApi implements LogsApi {
  private liveTailDown: { reason: string; until: number } | undefined;
  private readonly groupArns = new Map<string, Promise<string>>();
  private readonly clock: Clock;
  readonly startLiveTail: LogsApi['startLiveTail'];

  constructor(
    private readonly client: CloudWatchLogsClient,
    private readonly limiter: LogsRequestLimiter,
    private readonly options: AwsLogsApiOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.startLiveTail = options.liveTail === false ? undefined : (request, signal) => this.liveTail(request, signal);
  }

  async getLogEvents(request: GetLogEventsRequest, signal?: AbortSignal): Promise<GetLogEventsPage> {
    const command = new GetLogEventsCommand({
      logGroupName: request.logGroupName,
      logStreamName: request.logStreamName,
      nextToken: request.nextToken,
      startFromHead: request.startFromHead,
      startTime: request.startTime,
      limit: request.limit,
    });
    command.middlewareStack.addRelativeTo(this.limitEachAttempt(signal), {
      name: 'batchRunnerLogsRateLimit',
      relation: 'after',
      toMiddleware: 'retryMiddleware',
    });
    const out = await this.client.send(command, { abortSignal: signal });
    return {
      events: (out.events ?? []).map((event) => ({
        timestamp: event.timestamp ?? 0,
        message: event.message ?? '',
        ingestionTime: event.ingestionTime,
      })),
      nextForwardToken: out.nextForwardToken,
      nextBackwardToken: out.nextBackwardToken,
    };
  }

  private limitEachAttempt(signal: AbortSignal | undefined): Middleware {
    const limiter = this.limiter;
    return ((next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      await limiter.acquire(signal);
      try {
        return await next(args);
      } catch (error) {
        if (classifyLogsError(error) === 'throttled') limiter.throttled();
        throw error;
      }
    }) as unknown as Middleware;
  }

  private async liveTail(request: LiveTailRequest, signal: AbortSignal): Promise<AsyncIterable<LiveTailMessage>> {
    const down = this.liveTailDown;
    if (down && this.clock.now() < down.until) throw new LiveTailUnavailable(down.reason);
    let response;
    try {
      const arn = await this.groupArn(request.logGroupName);
      response = await this.client.send(
        new StartLiveTailCommand({
          logGroupIdentifiers: [arn],
          logStreamNames: request.logStreamNames.slice(0, 100),
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      if (signal.aborted) throw error;
      const reason = explainAwsError(error, 'logs:StartLiveTail').detail;
      this.liveTailDown = { reason, until: this.clock.now() + (this.options.liveTailRetryMs ?? 600_000) };
      throw new LiveTailUnavailable(reason);
    }
    this.liveTailDown = undefined;
    const stream = response.responseStream;
    if (!stream) throw new LiveTailUnavailable('the service returned no event stream');
    return mapLiveTail(stream);
  }

  private groupArn(name: string): Promise<string> {
    let arn = this.groupArns.get(name);
    if (!arn) {
      arn = this.client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name, limit: 50 })).then((out) => {
        const group = out.logGroups?.find((g) => g.logGroupName === name);
        const found = group?.logGroupArn ?? group?.arn?.replace(/:\*$/, '');
        if (!found) throw new Error(`log group ${name} not found`);
        return found;
      });
      arn.catch(() => this.groupArns.delete(name));
      this.groupArns.set(name, arn);
    }
    return arn;
  }
}

async function* mapLiveTail(stream: AsyncIterable<StartLiveTailResponseStream>): AsyncIterable<LiveTailMessage> {
  for await (const item of stream) {
    if (item.sessionStart) {
      yield { kind: 'start' };
    } else if (item.sessionUpdate) {
      yield {
        kind: 'update',
        sampled: item.sessionUpdate.sessionMetadata?.sampled ?? false,
        events: (item.sessionUpdate.sessionResults ?? []).map((event) => ({
          logStreamName: event.logStreamName ?? '',
          timestamp: event.timestamp ?? 0,
          message: event.message ?? '',
          ingestionTime: event.ingestionTime,
        })),
      };
    } else if (item.SessionTimeoutException) {
      // Sessions last at most three hours; the follower opens a new one.
      return;
    } else if (item.SessionStreamingException) {
      throw Object.assign(new Error(item.SessionStreamingException.message ?? 'Live Tail stream failed'), {
        name: 'SessionStreamingException',
      });
    }
  }
}
