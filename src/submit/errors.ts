// Errors of the pipeline. SubmitError messages are written for the user and name the fix; AwsStepError
// carries the IAM action that failed so the command can explain it (credentials, permissions...).

export type SubmitErrorKind =
  'config' | 'docker' | 'registry' | 'queue' | 'bucket' | 'build' | 'runtime' | 'push' | 'busy' | 'cancelled';

export class SubmitError extends Error {
  constructor(
    readonly kind: SubmitErrorKind,
    message: string,
    /** Extra lines for the log (e.g. the last lines of a failed build). */
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'SubmitError';
  }
}

export class AwsStepError extends Error {
  constructor(
    readonly action: string,
    readonly error: unknown,
  ) {
    super(`${action} failed: ${(error as Error)?.message ?? String(error)}`);
    this.name = 'AwsStepError';
  }
}

export function cancelled(): SubmitError {
  return new SubmitError('cancelled', 'Cancelled.');
}

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled();
}

/** Runs one AWS call; a failure becomes an AwsStepError naming the action, a cancellation a SubmitError. */
export async function awsStep<T>(action: string, signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
  throwIfCancelled(signal);
  try {
    return await call();
  } catch (error) {
    if (signal?.aborted) throw cancelled();
    throw new AwsStepError(action, error);
  }
}
