// Workers as one AWS Batch array job (a single job for one worker) that uses the manager's own job
// definition and queue, learned from AWS_BATCH_JOB_ID with DescribeJobs. The command is overridden
// to start a worker with the manager's address; the run secret is never part of the job.
import {
  DescribeJobsCommand,
  ListJobsCommand,
  SubmitJobCommand,
  TerminateJobCommand,
  type BatchClient,
  type JobStatus,
  type SubmitJobCommandInput,
} from '@aws-sdk/client-batch';
import { formatHostPort } from '../address';
import { withBackoff } from '../backoff';
import { describeError, type Log } from '../log';
import { ROLE_WORKER, TAG_MANAGER_JOB_ID, TAG_ROLE, TAG_RUN_ID, workerJobName } from '../tags';
import { passThroughEnv, type LaunchStatus, type Launcher } from './launcher';

const ALIVE: JobStatus[] = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING'];
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
}

export class BatchLauncher implements Launcher {
  readonly pollMs = 10_000;
  private jobId?: string;
  private count = 0;
  private jobName?: string;

  constructor(private readonly options: BatchLauncherOptions) {}

  async launch(count: number, manager: { host: string; port: number }): Promise<void> {
    const { batch, managerJobId, runId, storeUri, runtime, log, env = process.env } = this.options;
    const me = (await batch.send(new DescribeJobsCommand({ jobs: [managerJobId] }))).jobs?.[0];
    if (!me?.jobQueue || !me.jobDefinition || !me.jobName) {
      throw new Error(`DescribeJobs does not know this job (${managerJobId})`);
    }
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
    return { total, running, finished, pending: Math.max(0, total - running - finished) };
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

  async stopAll(reason: string, leaving: Set<string>, graceMs: number): Promise<void> {
    if (!this.jobId) return;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    const start = Date.now();
    let alive = await this.aliveIds();
    await this.terminate(
      alive.filter((id) => !leaving.has(id)),
      reason,
    );
    let forced = false;
    while (alive.length > 0) {
      const elapsed = Date.now() - start;
      if (elapsed > graceMs + STOP_DEADLINE_MS) {
        this.options.log(`worker jobs still alive after ${Math.round(elapsed / 1000)} s: ${alive.join(', ')}`);
        return;
      }
      if (elapsed > graceMs && !forced) {
        forced = true;
        // Terminating the array parent ends all its children in AWS Batch; the children are named
        // too because it takes a while and because stand-ins do not cascade.
        if (this.count > 1) await this.terminate([this.jobId], reason);
        await this.terminate(alive, reason);
      }
      await sleep(forced ? 3000 : 1000);
      alive = await this.aliveIds();
    }
  }

  describe(): Record<string, unknown> {
    return { launcher: 'batch', workerJobId: this.jobId, workerJobName: this.jobName, workers: this.count };
  }

  /** Worker jobs not yet SUCCEEDED or FAILED. */
  private async aliveIds(): Promise<string[]> {
    const { batch } = this.options;
    if (this.count <= 1) {
      const job = (await batch.send(new DescribeJobsCommand({ jobs: [this.jobId!] }))).jobs?.[0];
      return job?.status && ALIVE.includes(job.status) ? [this.jobId!] : [];
    }
    const ids: string[] = [];
    for (const jobStatus of ALIVE) {
      let nextToken: string | undefined;
      do {
        const page = await batch.send(new ListJobsCommand({ arrayJobId: this.jobId, jobStatus, nextToken }));
        for (const job of page.jobSummaryList ?? []) {
          // Stand-ins ignore the status filter in some cases; check it here.
          if (job.jobId && job.status && ALIVE.includes(job.status)) ids.push(job.jobId);
        }
        nextToken = page.nextToken;
      } while (nextToken);
    }
    return [...new Set(ids)];
  }
}
