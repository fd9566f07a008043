// The one in-memory AWS Batch of the unit tests: a BatchApi over a list of jobs, which records the
// calls it was asked (by API and scope) and can fail on demand. The integration and extension-host
// tests use moto instead.
import type { JobDetail, JobQueueDetail, JobSummary } from '@aws-sdk/client-batch';
import type { BatchApi, ListJobsScope } from '../../../src/aws/batchApi';
import { networkError } from './fakeLogs';

/** A job as a test writes it: summary fields, its queue, tags, and optionally its array children. */
export interface FakeJob extends Omit<JobSummary, 'status'> {
  jobId: string;
  status?: string;
  /** The queue's name (alias: queue). */
  jobQueue?: string;
  queue?: string;
  tags?: Record<string, string>;
  /** A count (the fake makes that many attempts) or the attempts themselves. */
  attempts?: number | JobDetail['attempts'];
  children?: FakeJob[];
  container?: JobDetail['container'] & JobSummary['container'];
  arrayProperties?: JobDetail['arrayProperties'];
}

export class FakeBatch implements BatchApi {
  jobs: FakeJob[] = [];
  queues = ['alpha', 'beta'];
  /** Every call, named after the API and its scope: 'ListJobs', 'ListJobs(array)', 'DescribeJobs(3)'… */
  calls: string[] = [];
  describeCalls = 0;
  /** Every call fails with this while it is set. */
  failWith: Error | undefined;
  /** The next N DescribeJobs calls fail with a network error. */
  failNext = 0;

  add<T extends FakeJob | JobDetail>(job: T): T {
    this.jobs = this.jobs.filter((j) => j.jobId !== job.jobId);
    this.jobs.push(job as FakeJob);
    return job;
  }

  /** The stored job (tests change it in place: its status, its container…). */
  job(jobId: string): FakeJob {
    const found = this.all().find((job) => job.jobId === jobId);
    if (!found) throw new Error(`FakeBatch: no job ${jobId}`);
    return found;
  }

  private check(call: string): void {
    this.calls.push(call);
    if (this.failWith) throw this.failWith;
  }

  private all(): FakeJob[] {
    return this.jobs.flatMap((job) => [job, ...(job.children ?? [])]);
  }

  async describeJobQueues(): Promise<JobQueueDetail[]> {
    this.check('DescribeJobQueues');
    return this.queues.map((name) => ({ jobQueueName: name, jobQueueArn: `arn:queue/${name}` }) as JobQueueDetail);
  }

  async describeComputeEnvironments(): Promise<never[]> {
    this.check('DescribeComputeEnvironments');
    return [];
  }

  async listJobs(scope: ListJobsScope): Promise<JobSummary[]> {
    if ('arrayJobId' in scope) {
      this.check('ListJobs(array)');
      return (this.jobs.find((job) => job.jobId === scope.arrayJobId)?.children ?? []).map(summary);
    }
    const inQueue = this.jobs.filter((job) => queueOf(job) === scope.jobQueue);
    if ('jobStatus' in scope) {
      this.check('ListJobs');
      return inQueue.filter((job) => job.status === scope.jobStatus).map(summary);
    }
    if ('jobName' in scope) {
      this.check('ListJobs(name)');
      return inQueue.filter((job) => job.jobName === scope.jobName).map(summary);
    }
    this.check('ListJobs(createdAfter)');
    return inQueue.map(summary);
  }

  async describeJobs(ids: readonly string[]): Promise<JobDetail[]> {
    this.describeCalls++;
    this.check(`DescribeJobs(${ids.length})`);
    if (this.failNext > 0) {
      this.failNext--;
      throw networkError();
    }
    const all = this.all();
    return ids.flatMap((id) => {
      const job = all.find((j) => j.jobId === id);
      return job ? [detail(job)] : [];
    });
  }

  async describeJobDefinitions(): Promise<never[]> {
    this.check('DescribeJobDefinitions');
    return [];
  }

  async registerJobDefinition(): Promise<never> {
    throw new Error('FakeBatch: RegisterJobDefinition is not faked');
  }

  async submitJob(): Promise<never> {
    throw new Error('FakeBatch: SubmitJob is not faked');
  }

  async cancelJob(jobId: string): Promise<void> {
    this.check(`CancelJob(${jobId})`);
  }

  async terminateJob(jobId: string): Promise<void> {
    this.check(`TerminateJob(${jobId})`);
  }

  async deregisterJobDefinition(arn: string): Promise<void> {
    this.check(`DeregisterJobDefinition(${arn})`);
  }
}

function queueOf(job: FakeJob): string | undefined {
  return job.jobQueue ?? job.queue;
}

/** What ListJobs says of a job: its summary fields, never its tags. */
function summary(job: FakeJob): JobSummary {
  const { jobId, jobArn, jobName, status, statusReason, createdAt, startedAt, stoppedAt, jobDefinition } = job;
  return structuredClone({
    jobId,
    jobArn,
    jobName,
    status,
    statusReason,
    createdAt,
    startedAt,
    stoppedAt,
    jobDefinition,
    container: job.container?.exitCode !== undefined ? { exitCode: job.container.exitCode } : undefined,
    arrayProperties: job.arrayProperties?.index !== undefined ? { index: job.arrayProperties.index } : undefined,
  }) as JobSummary;
}

/** What DescribeJobs says: everything, with the defaults a real job would have. */
function detail(job: FakeJob): JobDetail {
  const rest = structuredClone(job);
  const { children, attempts } = rest;
  // The fake's own fields are not part of a JobDetail.
  delete rest.children;
  delete rest.queue;
  return {
    jobDefinition: 'def',
    ...rest,
    jobQueue: queueOf(job),
    attempts: typeof attempts === 'number' ? Array.from({ length: attempts }, () => ({})) : attempts,
    // A job written without a container gets one; `container: undefined` means "not started yet".
    container: 'container' in job ? rest.container : { image: 'img:1', logStreamName: `def/default/${job.jobId}` },
    arrayProperties: rest.arrayProperties ?? (children ? { size: children.length } : undefined),
  } as JobDetail;
}
