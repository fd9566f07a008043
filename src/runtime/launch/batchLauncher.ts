// Workers as one AWS Batch array job (a single job for one worker) that uses the manager's own job
// definition and queue, learned from AWS_BATCH_JOB_ID with DescribeJobs. The command is overridden
// to start a worker with the manager's address; the run secret is never part of the job.
import {
  DescribeJobsCommand,
  ListJobsCommand,
  SubmitJobCommand,
  TerminateJobCommand,
  type BatchClient,
  type JobDetail,
  type JobStatus,
  type SubmitJobCommandInput,
} from '@aws-sdk/client-batch';
import { formatHostPort } from '../address';
import { withBackoff } from '../backoff';
import { describeError, type Log } from '../log';
import { ROLE_WORKER, TAG_MANAGER_JOB_ID, TAG_ROLE, TAG_RUN_ID, workerJobName } from '../tags';
import { passThroughEnv, type LaunchStatus, type Launcher, type WorkerUsage } from './launcher';

const ALIVE: JobStatus[] = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING'];
/** Alive but never started: no container yet, nothing to wait for. */
const NOT_STARTED: JobStatus[] = ['SUBMITTED', 'PENDING', 'RUNNABLE'];
const FINISHED: JobStatus[] = ['SUCCEEDED', 'FAILED'];
/** While the run goes, the workers' job times are listed (ListJobs per status) at most this often. */
export const USAGE_REFRESH_MS = 30_000;
const TERMINATE_CONCURRENCY = 5;
/** After this long past the grace period, stopAll gives up and reports what is left. */
const STOP_DEADLINE_MS = 180_000;

export interface BatchLauncherOptions {
  batch: BatchClient;
  managerJobId: string;
  runId: string;
  storeUri: string;
  /** argv that starts the runtime inside the image: [node, /opt/batch-runner/runtime.js]. */
  runtime: string[];
  log: Log;
  env?: NodeJS.ProcessEnv;
  sleep?: (ms: number) => Promise<void>;
  /** The clock (epoch ms) for job times and the refresh interval; tests inject one. */
  now?: () => number;
}

/** What ListJobs and DescribeJobs tell about a worker job's times. */
interface JobTimes {
  jobId?: string;
  status?: JobStatus | string;
  startedAt?: number;
  stoppedAt?: number;
}

export class BatchLauncher implements Launcher {
  readonly pollMs = 10_000;
  private jobId?: string;
  private count = 0;
  private jobName?: string;
  private readonly now: () => number;
  /** One job's resources, from the manager's own job (its workers share its job definition). */
  private resources: Omit<WorkerUsage, 'workerSeconds'> = {};
  /** Milliseconds of worker jobs that have ended, by job ID: each is counted once. */
  private readonly finishedMs = new Map<string, number>();
  /** When the worker jobs seen RUNNING started, by job ID. */
  private readonly runningSince = new Map<string, number>();
  private timesListedAt = -Infinity;

  constructor(private readonly options: BatchLauncherOptions) {
    this.now = options.now ?? Date.now;
  }

  async launch(count: number, manager: { host: string; port: number }): Promise<void> {
    const { batch, managerJobId, runId, storeUri, runtime, log, env = process.env } = this.options;
    const me = (await batch.send(new DescribeJobsCommand({ jobs: [managerJobId] }))).jobs?.[0];
    if (!me?.jobQueue || !me.jobDefinition || !me.jobName) {
      throw new Error(`DescribeJobs does not know this job (${managerJobId})`);
    }
    this.resources = jobResources(me);
    const environment = { ...passThroughEnv(env), BATCH_RUNNER_RUN_URI: storeUri };
    const input: SubmitJobCommandInput = {
      jobName: workerJobName(me.jobName),
      jobQueue: me.jobQueue,
      jobDefinition: me.jobDefinition,
      ...(count > 1 ? { arrayProperties: { size: count } } : {}),
      containerOverrides: {
        command: [...runtime, 'worker', '--manager', formatHostPort(manager.host, manager.port)],
        environment: Object.entries(environment).map(([name, value]) => ({ name, value })),
      },
      // A worker that exits is not restarted by Batch: the manager decides what happens to its tasks.
      retryStrategy: { attempts: 1 },
      tags: { [TAG_RUN_ID]: runId, [TAG_ROLE]: ROLE_WORKER, [TAG_MANAGER_JOB_ID]: managerJobId },
      propagateTags: true,
      // Fair-share queues need these on every job.
      ...(me.shareIdentifier ? { shareIdentifier: me.shareIdentifier } : {}),
      ...(me.schedulingPriority !== undefined ? { schedulingPriorityOverride: me.schedulingPriority } : {}),
    };
    const out = await withBackoff(() => batch.send(new SubmitJobCommand(input)), {
      what: 'SubmitJob',
      log,
      sleep: this.options.sleep,
    });
    this.jobId = out.jobId;
    this.jobName = input.jobName;
    this.count = count;
    log(`submitted ${count} worker${count > 1 ? 's as array job' : ' as job'} ${out.jobId} (${input.jobName})`);
  }

  ids(): string[] {
    if (!this.jobId) return [];
    return this.count > 1 ? Array.from({ length: this.count }, (_, i) => `${this.jobId}:${i}`) : [this.jobId];
  }

  async status(): Promise<LaunchStatus> {
    const total = this.count;
    if (!this.jobId) return { total, pending: 0, running: 0, finished: 0 };
    const job = (await this.options.batch.send(new DescribeJobsCommand({ jobs: [this.jobId] }))).jobs?.[0];
    const counts: Record<string, number> =
      this.count > 1 ? { ...job?.arrayProperties?.statusSummary } : job?.status ? { [job.status]: 1 } : {};
    const running = counts.RUNNING ?? 0;
    const finished = (counts.SUCCEEDED ?? 0) + (counts.FAILED ?? 0);
    if (this.count <= 1) {
      if (job) this.recordTimes([job]);
    } else if (this.now() - this.timesListedAt >= USAGE_REFRESH_MS) {
      // Ended children keep their figures: they are listed again only when more have ended.
      await this.listTimes(finished > this.finishedMs.size).catch((error) =>
        this.options.log(`could not list the worker jobs' times: ${describeError(error)}`),
      );
    }
    return { total, running, finished, pending: Math.max(0, total - running - finished) };
  }

  workerJobId(): string | undefined {
    return this.jobId;
  }

  usage(now = this.now()): WorkerUsage {
    let ms = 0;
    for (const spent of this.finishedMs.values()) ms += spent;
    for (const since of this.runningSince.values()) ms += Math.max(0, now - since);
    return { workerSeconds: ms / 1000, ...this.resources };
  }

  async terminate(ids: string[], reason: string): Promise<void> {
    const { batch, log } = this.options;
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const jobId = ids[next++];
        await withBackoff(() => batch.send(new TerminateJobCommand({ jobId, reason })), {
          what: 'TerminateJob',
          log,
          sleep: this.options.sleep,
        }).catch((error) => log(`could not terminate worker job ${jobId}: ${describeError(error)}`));
      }
    };
    await Promise.all(Array.from({ length: Math.min(TERMINATE_CONCURRENCY, ids.length) }, worker));
  }

  /**
   * Jobs that never started are terminated at once. Started ones (STARTING, RUNNING) get the grace
   * period whether or not they are connected: a connected one was told to exit, a late one that
   * connects now is told so by the manager, which keeps listening; either ends SUCCEEDED. One that
   * cannot connect exits on its own, or is terminated with the rest after the grace period.
   */
  async stopAll(reason: string, _leaving: Set<string>, graceMs: number): Promise<void> {
    if (!this.jobId) return;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    const start = this.now();
    const terminated = new Set<string>();
    let alive = await this.aliveJobs();
    let forced = false;
    while (alive.size > 0) {
      const elapsed = this.now() - start;
      if (elapsed > graceMs + STOP_DEADLINE_MS) {
        this.options.log(
          `worker jobs still alive after ${Math.round(elapsed / 1000)} s: ${[...alive.keys()].join(', ')}`,
        );
        break;
      }
      if (elapsed > graceMs && !forced) {
        forced = true;
        // Terminating the array parent ends all its children in AWS Batch; the children are named
        // too because it takes a while and because stand-ins do not cascade.
        if (this.count > 1) await this.terminate([this.jobId], reason);
        await this.terminate([...alive.keys()], reason);
      } else if (!forced) {
        const unstarted = [...alive].filter(([id, status]) => NOT_STARTED.includes(status) && !terminated.has(id));
        for (const [id] of unstarted) terminated.add(id);
        await this.terminate(
          unstarted.map(([id]) => id),
          reason,
        );
      }
      await sleep(forced ? 3000 : 1000);
      alive = await this.aliveJobs();
    }
    // The final figures for summary.json.
    if (this.count > 1)
      await this.listTimes(true).catch((error) =>
        this.options.log(`could not list the worker jobs' times: ${describeError(error)}`),
      );
  }

  describe(): Record<string, unknown> {
    return { launcher: 'batch', workerJobId: this.jobId, workerJobName: this.jobName, workers: this.count };
  }

  /** Worker jobs not yet SUCCEEDED or FAILED, with their status. */
  private async aliveJobs(): Promise<Map<string, JobStatus>> {
    const { batch } = this.options;
    const alive = new Map<string, JobStatus>();
    if (this.count <= 1) {
      const job = (await batch.send(new DescribeJobsCommand({ jobs: [this.jobId!] }))).jobs?.[0];
      if (job) this.recordTimes([job]);
      if (job?.status && ALIVE.includes(job.status)) alive.set(this.jobId!, job.status);
      return alive;
    }
    // In ALIVE's order: a job that moved on between two calls keeps its later status.
    for (const job of await this.listChildren(ALIVE)) alive.set(job.jobId!, job.status as JobStatus);
    return alive;
  }

  /** Lists the array's children that run (and, with `finished`, those that ended) for their times. */
  private async listTimes(finished: boolean): Promise<void> {
    const listedAt = this.now();
    this.recordTimes(await this.listChildren(finished ? ['RUNNING', ...FINISHED] : ['RUNNING']));
    this.timesListedAt = listedAt;
  }

  /** The array's children in these states (ListJobs with arrayJobId, one status at a time). */
  private async listChildren(statuses: JobStatus[]): Promise<JobTimes[]> {
    const { batch } = this.options;
    const jobs: JobTimes[] = [];
    for (const jobStatus of statuses) {
      let nextToken: string | undefined;
      do {
        const page = await batch.send(new ListJobsCommand({ arrayJobId: this.jobId, jobStatus, nextToken }));
        for (const job of page.jobSummaryList ?? []) {
          // Stand-ins ignore the status filter in some cases; check it here.
          if (job.jobId && job.status && statuses.includes(job.status)) jobs.push(job);
        }
        nextToken = page.nextToken;
      } while (nextToken);
    }
    return jobs;
  }

  /** Running jobs count from their start; ended ones are fixed (start to stop) and counted once. */
  private recordTimes(jobs: JobTimes[]): void {
    const now = this.now();
    for (const { jobId, status, startedAt, stoppedAt } of jobs) {
      if (!jobId || this.finishedMs.has(jobId)) continue;
      const since = startedAt ?? this.runningSince.get(jobId);
      if (FINISHED.includes(status as JobStatus)) {
        this.finishedMs.set(jobId, since === undefined ? 0 : Math.max(0, (stoppedAt ?? now) - since));
        this.runningSince.delete(jobId);
      } else if (status === 'RUNNING') {
        this.runningSince.set(jobId, since ?? now);
      }
    }
  }
}

/** vCPUs, GPUs and memory (MiB) of a job: its resource requirements, or the older container fields. */
export function jobResources(job: JobDetail): Omit<WorkerUsage, 'workerSeconds'> {
  const container = job.container;
  const required = (type: string) => {
    const value = Number(container?.resourceRequirements?.find((r) => r.type === type)?.value);
    return Number.isFinite(value) && value > 0 ? value : undefined;
  };
  const vcpus = required('VCPU') ?? positive(container?.vcpus);
  const memoryMiB = required('MEMORY') ?? positive(container?.memory);
  const gpus = required('GPU');
  return {
    ...(vcpus !== undefined ? { vcpus } : {}),
    ...(gpus !== undefined ? { gpus } : {}),
    ...(memoryMiB !== undefined ? { memoryMiB } : {}),
  };
}

function positive(value: number | undefined): number | undefined {
  return value !== undefined && value > 0 ? value : undefined;
}
