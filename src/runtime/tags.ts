// Tags the runtime and the Submit command put on Batch jobs so the extension can find a run's jobs.
export const TAG_RUN_ID = 'batch-runner:run-id';
export const TAG_ROLE = 'batch-runner:role';
export const TAG_MANAGER_JOB_ID = 'batch-runner:manager-job-id';
/** On the manager job: the run's store location, s3://bucket/prefix/<runId>/ (Submit sets it). */
export const TAG_RUN_URI = 'batch-runner:run-uri';

export const ROLE_MANAGER = 'manager';
export const ROLE_WORKER = 'worker';

/** AWS Batch job names are at most 128 characters. */
export const MAX_JOB_NAME = 128;

export function workerJobName(managerJobName: string): string {
  const suffix = '-workers';
  return managerJobName.slice(0, MAX_JOB_NAME - suffix.length) + suffix;
}
