// The error kernel. Every layer throws one of three things, and the UI turns any error into one
// message with its fix (src/ui/reportError.ts):
// - UserError: the message is written for the user and names the fix (bad input, a missing queue…);
// - AwsStepError: an AWS call failed; it names the IAM action, explainAwsError says what to do;
// - cancellation: the user cancelled (a UserError of kind 'cancelled', or an AbortError).
// The classes are recognised by a global brand, not only by instanceof: the extension and the
// lazily loaded SDK bundle (dist/aws.js) each carry their own copy of this module.
import { isAbort } from './clock';

const USER_ERROR = Symbol.for('aws-batch-runner.UserError');
const AWS_STEP_ERROR = Symbol.for('aws-batch-runner.AwsStepError');

/** Where a user error comes from; decides the buttons of its message (e.g. 'config' opens aws-batch.json). */
export type UserErrorKind =
  | 'input'
  | 'notFound'
  | 'configMissing'
  | 'config'
  | 'docker'
  | 'registry'
  | 'queue'
  | 'bucket'
  | 'build'
  | 'runtime'
  | 'push'
  | 'busy'
  | 'cancelled';

/** An error whose message is already written for the user: what happened and what to do. */
export class UserError extends Error {
  readonly [USER_ERROR] = true;
  override name = 'UserError';
  constructor(
    message: string,
    readonly kind: UserErrorKind = 'input',
    /** Extra lines for the log (e.g. the last lines of a failed build). */
    readonly details: string[] = [],
    /** For kind 'config': the line of aws-batch.json to open. */
    readonly line?: number,
    /** A file to open at the lines the error is about (the Dockerfile at its failing instruction). */
    readonly fileLines?: FileLines,
  ) {
    super(message);
  }
}

/** An absolute path and 1-based lines in it. */
export interface FileLines {
  path: string;
  line: number;
  endLine: number;
}

/** A UserError of the Submit pipeline, tagged with the step it stopped at. */
export class SubmitError extends UserError {
  override name = 'SubmitError';
  constructor(kind: UserErrorKind, message: string, details: string[] = [], file?: FileLines) {
    super(message, kind, details, undefined, file);
  }
}

/** An AWS call that failed, with the IAM action it needed, so the message can name the permission. */
export class AwsStepError extends Error {
  readonly [AWS_STEP_ERROR] = true;
  override name = 'AwsStepError';
  constructor(
    readonly action: string,
    readonly error: unknown,
  ) {
    super(`${action} failed: ${(error as Error)?.message ?? String(error)}`);
  }
}

export function isUserError(error: unknown): error is UserError {
  return typeof error === 'object' && error !== null && (error as { [USER_ERROR]?: unknown })[USER_ERROR] === true;
}

export function isAwsStepError(error: unknown): error is AwsStepError {
  return (
    typeof error === 'object' && error !== null && (error as { [AWS_STEP_ERROR]?: unknown })[AWS_STEP_ERROR] === true
  );
}

/** The user cancelled: a cancelled UserError, or an abort that reached the top. */
export function isCancellation(error: unknown): boolean {
  return (isUserError(error) && error.kind === 'cancelled') || isAbort(error);
}

export function cancelled(): SubmitError {
  return new SubmitError('cancelled', 'Cancelled.');
}

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled();
}

/**
 * One AWS call: a failure becomes an AwsStepError naming the action. An abort is passed on as it is
 * (the log followers and views treat it as "stopped"); an AwsStepError from a lower call is kept.
 */
export async function awsCall<T>(action: string, signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (signal?.aborted || isAbort(error) || isAwsStepError(error) || isUserError(error)) throw error;
    throw new AwsStepError(action, error);
  }
}

/** A step of a cancellable operation (Submit): like awsCall, but a cancellation becomes cancelled(). */
export async function awsStep<T>(action: string, signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
  throwIfCancelled(signal);
  try {
    return await awsCall(action, signal, call);
  } catch (error) {
    if (signal?.aborted) throw cancelled();
    throw error;
  }
}
