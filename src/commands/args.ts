// The arguments commands take, named once: tree nodes of the views, a job named by the Submit command
// (and the tests), a job id typed as a string. Command factories declare these as their parameter
// types (CommandFactory<[...]>), so the compiler says what a command takes.
import type { JobRef } from '../logs/followRegistry';
import type { RevisionNode } from '../models/jobDefinitionsModel';
import type { JobNode } from '../models/jobsModel';

/** JobRef: a job by id, maybe with its name (what Submit returns, the pickers give and tests pass). */
export type { JobNode, JobRef, RevisionNode };

/** A job a command works on: a node of the Jobs view, or a JobRef. */
export type JobArg = JobNode | JobRef;

/** A run of Download Results: its run URI (a SubmittedRun has one), maybe its id and job name. */
export interface RunArg {
  runUri: string;
  runId?: string;
  jobName?: string;
  jobId?: string;
}

/** A node that has an ARN: queue, compute environment, job, job definition revision. */
export interface ArnArg {
  arn?: string;
  jobArn?: string;
}

/** The job of a typed argument: a job id string, a node or a ref; undefined for none (or an empty id). */
export function jobRefOf(arg: string | { jobId?: string; jobName?: string } | undefined): JobRef | undefined {
  if (typeof arg === 'string') return arg.trim() ? { jobId: arg.trim() } : undefined;
  return arg?.jobId ? { jobId: arg.jobId, jobName: arg.jobName } : undefined;
}
