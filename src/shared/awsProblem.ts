// Turns any error into a Problem: one or two sentences a user can act on, and a line for the log.
// Never includes request parameters or credentials: only the error's name, its message and the
// action that failed. Pure: the UI (src/ui/reportError.ts) adds the buttons.
import { isAwsStepError, isCancellation, isUserError, type UserErrorKind } from './errors';

/** The account, region and endpoint a message talks about (src/aws/target.ts resolves them). */
export interface ProblemTarget {
  profile: string | undefined;
  region: string;
  endpoint: string | undefined;
}

export type AwsErrorKind =
  | 'noCredentials'
  | 'ssoExpired'
  | 'credentialsExpired'
  | 'credentialsRejected'
  | 'accessDenied'
  | 'region'
  | 'profile'
  | 'endpoint'
  | 'throttled'
  | 'notFound'
  | 'invalidRequest'
  | 'unknown';

export type ProblemKind = AwsErrorKind | 'user' | 'cancelled';

export interface AwsProblem {
  kind: AwsErrorKind;
  /** One or two sentences for a notification: what happened and what to do. */
  message: string;
  /** For the log: the error's name and code, never its request. */
  detail: string;
}

/** What the UI shows for any error: an AWS problem, a user error (with its kind) or a cancellation. */
export interface Problem {
  kind: ProblemKind;
  /** One or two sentences for a notification: what happened and what to do. */
  message: string;
  /** For the log: the error's name and code, never its request. */
  detail: string;
  /** For user errors: where it came from (decides the buttons). */
  userKind?: UserErrorKind;
  /** Extra lines for the log (a failed build's last lines). */
  details?: string[];
}

/**
 * Any error as one Problem.
 * @param action what was attempted ("awsBatch.submit", "batch:ListJobs"): named when the error does not
 *   carry its own action.
 */
export function describeError(error: unknown, action: string, target?: ProblemTarget): Problem {
  if (isCancellation(error)) return { kind: 'cancelled', message: 'Cancelled.', detail: `${action}: cancelled` };
  if (isUserError(error)) {
    return {
      kind: 'user',
      userKind: error.kind,
      message: error.message,
      detail: `${action}: ${error.message.split('\n')[0]}`,
      details: error.details,
    };
  }
  return explainAwsError(error, action, target);
}

interface ErrorLike {
  name?: string;
  code?: string;
  message?: string;
  errors?: unknown[];
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/** The first network error code anywhere in the error, its AggregateError members or its causes. */
function networkCode(err: ErrorLike | undefined, depth = 0): string | undefined {
  if (!err || typeof err !== 'object' || depth > 4) return undefined;
  if (err.code && NETWORK_CODES.has(err.code)) return err.code;
  if (err.name === 'TimeoutError') return 'ETIMEDOUT';
  for (const inner of err.errors ?? []) {
    const code = networkCode(inner as ErrorLike, depth + 1);
    if (code) return code;
  }
  return networkCode(err.cause as ErrorLike | undefined, depth + 1);
}

function profileName(target: ProblemTarget | undefined): string {
  return target?.profile ?? 'default';
}

/**
 * @param action the IAM action that was attempted, e.g. "batch:DescribeJobQueues"; used when the
 *   service's message does not name it.
 */
export function explainAwsError(error: unknown, action: string, target?: ProblemTarget): AwsProblem {
  // The step's own action names the permission better than the caller's guess.
  if (isAwsStepError(error)) return explainAwsError(error.error, error.action, target);
  const err = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as ErrorLike;
  const name = err.name ?? 'Error';
  const text = err.message ?? '';
  const detail = `${action}: ${name}${err.code && err.code !== name ? ` (${err.code})` : ''}: ${firstLine(text)}`;
  const profile = profileName(target);
  const problem = (kind: AwsErrorKind, message: string): AwsProblem => ({ kind, message, detail });

  if (isTargetError(error)) return problem(error.kind, error.message);

  if (/sso/i.test(text) && /(expired|invalid|refresh)/i.test(text)) {
    return problem(
      'ssoExpired',
      `Your AWS SSO session for profile "${profile}" has expired. Run \`aws sso login --profile ${profile}\` in a terminal, then refresh.`,
    );
  }
  if (/multi-factor authentication|MFA code/i.test(text)) {
    return problem(
      'noCredentials',
      `The AWS profile "${profile}" assumes a role that needs an MFA code, and none was entered. Run the command again and enter the code of your MFA device when asked, or choose another profile.`,
    );
  }
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(text)) {
    return problem(
      'noCredentials',
      `No AWS credentials found for profile "${profile}". Choose a profile that has credentials, or set them up with \`aws configure\` (or \`aws sso login\`).`,
    );
  }
  if (['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired'].includes(name)) {
    return problem(
      'credentialsExpired',
      `The AWS credentials for profile "${profile}" have expired. Sign in again (for SSO: \`aws sso login --profile ${profile}\`), then refresh.`,
    );
  }
  if (
    [
      'UnrecognizedClientException',
      'InvalidClientTokenId',
      'InvalidSignatureException',
      'SignatureDoesNotMatch',
      'InvalidAccessKeyId',
    ].includes(name)
  ) {
    return problem(
      'credentialsRejected',
      `AWS rejected the credentials for profile "${profile}" (${name}). Check the access key, or choose another profile.`,
    );
  }
  if (
    ['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation', 'ClientException'].includes(name) &&
    /not authorized|access ?denied|forbidden/i.test(text || name)
  ) {
    const named = /not authorized to perform:?\s*([\w-]+:[\w*-]+)/i.exec(text)?.[1] ?? action;
    return problem(
      'accessDenied',
      `Access denied: the credentials for profile "${profile}" are not allowed to call ${named}. Ask your AWS administrator to grant ${named}, or choose another profile.`,
    );
  }
  if (['ThrottlingException', 'TooManyRequestsException', 'Throttling', 'SlowDown'].includes(name)) {
    return problem('throttled', `AWS is throttling ${action} requests. The view will retry on its own shortly.`);
  }

  const code = networkCode(err);
  if (code) {
    if (!target?.endpoint && (code === 'ENOTFOUND' || code === 'EAI_AGAIN') && target) {
      return problem(
        'region',
        `Cannot find the AWS service for region "${target.region}". Check that the region exists and that this computer can resolve AWS host names.`,
      );
    }
    const where = target?.endpoint ?? `AWS in ${target?.region ?? 'your region'}`;
    const reason = code === 'ECONNREFUSED' ? 'connection refused' : code === 'ETIMEDOUT' ? 'timed out' : code;
    const fix = target?.endpoint
      ? 'Check that the endpoint is running, or clear "awsBatch.endpointUrl" / AWS_ENDPOINT_URL.'
      : 'Check your network connection or proxy.';
    return problem('endpoint', `Cannot reach ${where} (${reason}). ${fix}`);
  }

  if (/is not a valid region|invalid region|unknown region/i.test(text)) {
    return problem('region', `Unknown AWS region "${target?.region ?? ''}". Fix "awsBatch.region" in the settings.`);
  }
  if (err.$metadata?.httpStatusCode === 404 || /not ?found|does not exist/i.test(name)) {
    return problem('notFound', `${action} failed: ${firstLine(text) || name}.`);
  }
  if (name === 'ClientException' || name === 'ValidationException' || name === 'InvalidParameterException') {
    return problem('invalidRequest', `${action} was refused: ${firstLine(text) || name}.`);
  }
  return problem('unknown', `${action} failed: ${firstLine(text) || name}.`);
}

/** AwsTargetError (src/aws/target.ts), by name: it may come from the separately bundled dist/aws.js. */
function isTargetError(error: unknown): error is Error & { kind: 'region' | 'endpoint' | 'profile' } {
  const candidate = error as { name?: unknown; kind?: unknown } | null;
  return candidate?.name === 'AwsTargetError' && typeof candidate.kind === 'string';
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim().replace(/\.$/, '').slice(0, 300);
}
