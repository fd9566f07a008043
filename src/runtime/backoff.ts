// Retrying AWS calls that were throttled (SubmitJob has a 50 TPS account limit; TerminateJob and
// DescribeJobs share the Batch API rate), with exponential backoff and full jitter.
import { describeError, type Log } from './log';

const THROTTLE_NAMES = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'SlowDown',
]);

export function isThrottle(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return THROTTLE_NAMES.has(e?.name ?? '') || e?.$metadata?.httpStatusCode === 429;
}

export interface BackoffOptions {
  what: string;
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
  log?: Log;
  retryable?: (error: unknown) => boolean;
  sleep?: (ms: number) => Promise<void>;
}

export async function withBackoff<T>(call: () => Promise<T>, options: BackoffOptions): Promise<T> {
  const { attempts = 8, baseMs = 500, maxMs = 20_000, retryable = isThrottle } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !retryable(error)) throw error;
      const delay = Math.random() * Math.min(maxMs, baseMs * 2 ** (attempt - 1));
      options.log?.(`${options.what} throttled (${describeError(error)}); retrying in ${Math.round(delay)} ms`);
      await sleep(delay);
    }
  }
}
