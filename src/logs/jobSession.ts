// Follows the logs of one Batch job until it is over: the job's own streams; for an array job, its
// children's; for a run's manager, its workers' too, found by their tags as the manager submits them.
// Job states come from DescribeJobs every few seconds; a stream is handed to the LogFollower as soon
// as DescribeJobs names it, and marked finished when its job reaches a terminal state. No vscode import.
import type { JobDetail } from '@aws-sdk/client-batch';
import type { BatchApi } from '../aws/batchApi';
import { explainAwsError } from '../shared/awsProblem';
import { Clock, isAbort, systemClock } from '../shared/clock';
import { isArrayParent, isTerminal, JobRole, runInfo } from '../shared/run';
import type { FollowOutcome, LogFollower } from './follower';
import { describeJob, findWorkerJobs } from './jobLookup';
import { exitCodeOf, logGroupOf, streamsOf } from './jobStreams';

export { JobNotFoundError } from './jobLookup';

export interface JobSessionOptions {
  jobs: BatchApi;
  follower: LogFollower;
  jobId: string;
  /** The job as already described (Show Logs describes it to name the channel); else described first. */
  job?: JobDetail;
  /** Status lines (state changes, workers found, problems). */
  onNotice(text: string): void;
  /** The job was described for the first time. */
  onJob?(job: JobDetail): void;
  clock?: Clock;
  statusIntervalMs?: number;
  /** After the followed job ended, how long its workers may still run before following stops. */
  workerGraceMs?: number;
}

export interface WorkerCounts {
  total: number;
  succeeded: number;
  failed: number;
  unfinished: number;
}

export interface SessionSummary {
  job: JobDetail;
  role: JobRole;
  workers: WorkerCounts | undefined;
  outcome: FollowOutcome;
}

interface Target {
  jobId: string;
  label: string | undefined;
  job: JobDetail | undefined;
  terminalAt: number | undefined;
}

export class JobLogSession {
  private readonly clock: Clock;
  private readonly controller = new AbortController();
  private readonly targets = new Map<string, Target>();
  private readonly checkedForWorkers = new Set<string>();
  private root: JobDetail | undefined;
  private role: JobRole = 'plain';
  private nextWorkerNumber = 0;
  private workersSearchedAfterEnd = false;
  private lastStatus: string | undefined;
  private statusProblem: string | undefined;

  constructor(private readonly options: JobSessionOptions) {
    this.clock = options.clock ?? systemClock;
  }

  stop(): void {
    this.controller.abort();
    this.options.follower.stop();
  }

  get job(): JobDetail | undefined {
    return this.root;
  }

  async run(): Promise<SessionSummary> {
    const { follower } = this.options;
    const root = this.options.job ?? (await describeJob(this.options.jobs, this.options.jobId, this.controller.signal));
    this.root = root;
    this.role = runInfo(root).role;
    this.options.onJob?.(root);
    if (!logGroupOf(root)) {
      this.options.onNotice(
        `This job sends its log to ${root.container?.logConfiguration?.logDriver}, not CloudWatch Logs; there is nothing to follow here.`,
      );
    }
    this.addRootTargets(root);
    const following = follower.start();
    let rootEndedAt: number | undefined;
    try {
      while (!this.controller.signal.aborted) {
        await this.tick();
        const now = this.clock.now();
        if (this.rootTerminal()) rootEndedAt ??= now;
        if (rootEndedAt !== undefined && this.allDone(now - rootEndedAt)) break;
        const early = await Promise.race([
          following.then(() => true),
          this.clock.sleep(this.options.statusIntervalMs ?? 5000, this.controller.signal).then(() => false),
        ]);
        if (early) break;
      }
    } catch (error) {
      if (!isAbort(error)) throw error;
    }
    if (this.controller.signal.aborted) {
      follower.stop();
    } else {
      const unfinished = [...this.targets.values()].filter((t) => t.terminalAt === undefined);
      if (unfinished.length) {
        this.options.onNotice(
          `${unfinished.length} worker job(s) are still ${unfinished[0].job?.status ?? 'not started'}; no longer following them.`,
        );
        for (const target of unfinished) this.finishTarget(target, this.clock.now());
      }
    }
    const outcome = this.controller.signal.aborted ? await following : await follower.end();
    return { job: this.root, role: this.role, workers: this.workerCounts(), outcome };
  }

  private addRootTargets(root: JobDetail): void {
    if (isArrayParent(root)) {
      const size = root.arrayProperties?.size ?? 0;
      const worker = this.role === 'worker';
      for (let i = 0; i < size; i++) this.addTarget(`${root.jobId}:${i}`, worker ? `worker ${i}` : `child ${i}`);
      this.role = worker ? 'worker' : 'arrayParent';
    } else {
      this.addTarget(root.jobId!, this.role === 'manager' ? 'manager' : undefined);
    }
  }

  private addTarget(jobId: string, label: string | undefined): void {
    if (!this.targets.has(jobId)) this.targets.set(jobId, { jobId, label, job: undefined, terminalAt: undefined });
  }

  private rootTerminal(): boolean {
    return isTerminal(this.root?.status);
  }

  private allDone(sinceRootEnded: number): boolean {
    if (this.role === 'manager' && !this.workersSearchedAfterEnd) return false;
    const open = [...this.targets.values()].some((t) => t.terminalAt === undefined);
    return !open || sinceRootEnded >= (this.options.workerGraceMs ?? 300_000);
  }

  private async tick(): Promise<void> {
    const signal = this.controller.signal;
    try {
      const ids = [...this.targets.values()].filter((t) => t.terminalAt === undefined).map((t) => t.jobId);
      if (this.root?.jobId && !this.targets.has(this.root.jobId) && !this.rootTerminal()) ids.push(this.root.jobId);
      const described = ids.length ? await this.options.jobs.describeJobs(ids, signal) : [];
      const now = this.clock.now();
      for (const job of described) {
        if (job.jobId === this.root?.jobId) this.root = job;
        const target = this.targets.get(job.jobId ?? '');
        if (target) this.update(target, job, now);
      }
      this.reportStatus();
      if (this.role === 'manager' && !this.workersSearchedAfterEnd) {
        const ended = this.rootTerminal();
        await this.discoverWorkers();
        if (ended) this.workersSearchedAfterEnd = true;
      }
      if (this.statusProblem) {
        this.statusProblem = undefined;
        this.options.onNotice('AWS Batch answers again.');
      }
    } catch (error) {
      if (isAbort(error) || signal.aborted) throw error;
      const message = explainAwsError(error, 'batch:DescribeJobs').message;
      if (message !== this.statusProblem) this.options.onNotice(`${message} Job status will be checked again shortly.`);
      this.statusProblem = message;
    }
  }

  private update(target: Target, job: JobDetail, now: number): void {
    target.job = job;
    const group = logGroupOf(job);
    if (group) {
      for (const stream of streamsOf(job)) {
        const id = `${job.jobId}/${stream}`;
        if (this.options.follower.hasSource(id)) continue;
        this.options.follower.addSource({ id, label: target.label, logGroupName: group, logStreamName: stream });
        if (target.terminalAt !== undefined) this.options.follower.finishSource(id, target.terminalAt);
      }
    }
    if (isTerminal(job.status) && target.terminalAt === undefined) this.finishTarget(target, now);
  }

  private finishTarget(target: Target, at: number): void {
    target.terminalAt = at;
    const job = target.job;
    for (const stream of job ? streamsOf(job) : []) this.options.follower.finishSource(`${job!.jobId}/${stream}`, at);
  }

  private async discoverWorkers(): Promise<void> {
    const found = await findWorkerJobs(this.options.jobs, this.root!, this.checkedForWorkers, this.controller.signal);
    for (const worker of found) {
      if (isArrayParent(worker)) {
        const size = worker.arrayProperties?.size ?? 0;
        const base = this.nextWorkerNumber;
        for (let i = 0; i < size; i++) this.addTarget(`${worker.jobId}:${i}`, `worker ${base + i}`);
        this.nextWorkerNumber += size;
        this.options.onNotice(`Following ${size} worker${size === 1 ? '' : 's'} (job ${worker.jobName}).`);
      } else {
        this.addTarget(worker.jobId!, `worker ${this.nextWorkerNumber++}`);
        this.options.onNotice(`Following worker job ${worker.jobName}.`);
      }
    }
  }

  private reportStatus(): void {
    const root = this.root;
    if (!root?.status || root.status === this.lastStatus) return;
    const first = this.lastStatus === undefined;
    this.lastStatus = root.status;
    if (isTerminal(root.status)) return; // the summary line says it
    const waiting: Record<string, string> = {
      SUBMITTED: 'submitted',
      PENDING: 'pending (waiting for the jobs it depends on)',
      RUNNABLE: 'runnable, waiting for capacity in its compute environment',
      STARTING: 'starting its container',
      RUNNING: 'running',
    };
    const text = waiting[root.status] ?? root.status;
    if (!first || root.status !== 'RUNNING') this.options.onNotice(`Job ${root.jobName} is ${text}.`);
  }

  private workerCounts(): WorkerCounts | undefined {
    if (this.role !== 'manager' && this.role !== 'worker' && this.role !== 'arrayParent') return undefined;
    const workers = [...this.targets.values()].filter((t) => t.jobId !== this.root?.jobId);
    if (!workers.length && this.role !== 'manager') return undefined;
    return {
      total: workers.length,
      succeeded: workers.filter((t) => t.job?.status === 'SUCCEEDED').length,
      failed: workers.filter((t) => t.job?.status === 'FAILED').length,
      unfinished: workers.filter((t) => !isTerminal(t.job?.status)).length,
    };
  }
}

/** The line that ends a followed log. */
export function summaryLine(summary: SessionSummary, lines: number): string {
  const job = summary.job;
  const parts = [`${job.jobName ?? job.jobId} ${job.status ?? 'UNKNOWN'}`];
  if (job.status === 'FAILED' && job.statusReason) parts[0] += `: ${job.statusReason}`;
  const exit = exitCodeOf(job);
  if (exit !== undefined) parts.push(`exit code ${exit}`);
  const w = summary.workers;
  if (w && w.total === 0) parts.push('no worker jobs');
  else if (w) {
    const counts = [`${w.succeeded} succeeded`];
    if (w.failed) counts.push(`${w.failed} failed`);
    if (w.unfinished) counts.push(`${w.unfinished} unfinished`);
    parts.push(`${w.total} ${summary.role === 'arrayParent' ? 'child jobs' : 'workers'}: ${counts.join(', ')}`);
  }
  parts.push(`${lines.toLocaleString('en-US')} line${lines === 1 ? '' : 's'}`);
  if (summary.outcome.kind === 'stopped') return `── Stopped following ${job.jobName ?? job.jobId} (${job.status}) ──`;
  if (summary.outcome.kind === 'failed') parts.push(`log reading stopped: ${summary.outcome.problem.message}`);
  return `── ${parts.join(' · ')} ──`;
}
