// Job states, kept apart from the SDK so views can use them without loading it at activation.

export const JOB_STATUSES = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const;
export type JobStatusName = (typeof JOB_STATUSES)[number];
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED']);
/** CancelJob only affects jobs that have not started; TerminateJob is for the rest. */
export const CANCELLABLE_STATUSES: ReadonlySet<string> = new Set(['SUBMITTED', 'PENDING', 'RUNNABLE']);
export const TERMINABLE_STATUSES: ReadonlySet<string> = new Set(['STARTING', 'RUNNING']);
