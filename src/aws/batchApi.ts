// The one way the extension talks to AWS Batch: a type-only interface, implemented over the SDK by
// ./sdkBatchApi.ts (in the lazily loaded SDK bundle) and by one in-memory fake in the unit tests
// (test/unit/helpers/fakeBatch.ts). Every method follows all pages and batches, and fails with an
// AwsStepError naming the IAM action (src/shared/errors.ts); an abort is passed on as it is.
import type {
  ComputeEnvironmentDetail,
  JobDefinition,
  JobDetail,
  JobQueueDetail,
  JobStatus,
  JobSummary,
  RegisterJobDefinitionCommandInput,
  SubmitJobCommandInput,
} from '@aws-sdk/client-batch';

/** Which jobs ListJobs returns. With a name or a creation time, ListJobs returns jobs in every status. */
export type ListJobsScope =
  | { jobQueue: string; jobStatus: JobStatus | string }
  | { jobQueue: string; jobName: string }
  | { jobQueue: string; createdAfter: number }
  | { arrayJobId: string };

export interface ListJobsOptions {
  signal?: AbortSignal;
  /** Stop after this many pages of 1,000 (a bound for searches that need only recent jobs). */
  maxPages?: number;
}

export interface DefinitionQuery {
  status: 'ACTIVE' | 'INACTIVE';
  /** Only the revisions of this name. */
  jobDefinitionName?: string;
}

export interface BatchApi {
  /** All queues, or the named ones (names or ARNs). */
  describeJobQueues(queues?: readonly string[], signal?: AbortSignal): Promise<JobQueueDetail[]>;
  describeComputeEnvironments(
    namesOrArns: readonly string[],
    signal?: AbortSignal,
  ): Promise<ComputeEnvironmentDetail[]>;
  listJobs(scope: ListJobsScope, options?: ListJobsOptions): Promise<JobSummary[]>;
  /** Details of the given jobs (unknown ids are left out). */
  describeJobs(jobIds: readonly string[], signal?: AbortSignal): Promise<JobDetail[]>;
  describeJobDefinitions(query: DefinitionQuery, signal?: AbortSignal): Promise<JobDefinition[]>;
  registerJobDefinition(
    input: RegisterJobDefinitionCommandInput,
    signal?: AbortSignal,
  ): Promise<{ jobDefinitionArn: string; revision: number }>;
  submitJob(input: SubmitJobCommandInput, signal?: AbortSignal): Promise<{ jobId: string; jobName: string }>;
  cancelJob(jobId: string, reason: string): Promise<void>;
  terminateJob(jobId: string, reason: string): Promise<void>;
  deregisterJobDefinition(jobDefinitionArn: string): Promise<void>;
}
