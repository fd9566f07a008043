// State of the Jobs view: queue → status group → job → array children or a run's worker jobs.
// Loads only what is expanded, describes only jobs that are shown and changed, and diffs every
// refresh so that only changed nodes re-render. No vscode import.
import type { JobDetail, JobSummary } from '@aws-sdk/client-batch';
import type { BatchApi } from '../aws/batchApi';
import type { Problem } from '../shared/awsProblem';
import {
  childIndex,
  isArrayChild,
  isArrayParent as isArrayParentJob,
  isWorkerOf,
  JOB_STATUSES,
  runInfo,
  TERMINAL_STATUSES,
  workerJobName,
} from '../shared/run';
import { reconcile, TreeNode } from './reconcile';

/** What workerJobName() appends to the manager's name. */
const WORKERS_SUFFIX = workerJobName('');

/** Queues change rarely; re-listing them on every poll would cost a call per refresh. */
export const QUEUE_LIST_MAX_AGE_MS = 60_000;

/** Beyond this, a status group shows its newest jobs and a hint to filter. */
export const MAX_JOBS_PER_GROUP = 500;

/** What the Jobs view reads of Batch. */
export type JobsBatchApi = Pick<BatchApi, 'describeJobQueues' | 'listJobs' | 'describeJobs'>;

export interface JobsFilter {
  /** Empty: every status. */
  statuses: string[];
  /** Case-insensitive substring of the job name; empty: no name filter. */
  name: string;
}

export interface JobsQueueNode {
  readonly kind: 'jobQueue';
  readonly id: string;
  name: string;
  arn: string;
  /** Jobs shown in all groups (after the filter); undefined until the queue is expanded. */
  total: number | undefined;
  children?: StatusGroupNode[];
}

export interface StatusGroupNode {
  readonly kind: 'statusGroup';
  readonly id: string;
  queue: string;
  status: string;
  /** Jobs in this status that pass the name filter. */
  count: number;
  children: (JobNode | MoreNode)[];
}

export interface MoreNode {
  readonly kind: 'more';
  readonly id: string;
  hidden: number;
}

export interface JobNode {
  readonly kind: 'job';
  readonly id: string;
  jobId: string;
  jobArn: string;
  jobName: string;
  queue: string;
  status: string;
  statusReason: string;
  createdAt: number | undefined;
  startedAt: number | undefined;
  stoppedAt: number | undefined;
  exitCode: number | undefined;
  jobDefinition: string;
  /** Known once the job was described (it is shown in an expanded group). */
  described: boolean;
  attempts: number | undefined;
  image: string | undefined;
  logStreamName: string | undefined;
  arraySize: number | undefined;
  arrayIndex: number | undefined;
  role: 'manager' | 'worker' | undefined;
  runId: string | undefined;
  runUri: string | undefined;
  managerJobId: string | undefined;
  children?: JobNode[];
}

export type JobsViewNode = JobsQueueNode | StatusGroupNode | JobNode | MoreNode;

export type JobsChange = readonly JobsViewNode[] | undefined;

interface QueueData {
  byStatus: Map<string, JobSummary[]>;
}

export class JobsTreeModel {
  private queues: JobsQueueNode[] = [];
  private queueList: { name: string; arn: string }[] | undefined;
  private queueListAt = 0;
  private readonly queueData = new Map<string, QueueData>();
  private readonly details = new Map<string, JobDetail>();
  private readonly jobChildren = new Map<string, JobSummary[]>();
  private readonly expanded = new Set<string>();
  private inFlight: Promise<void> | undefined;
  private generation = 0;
  private filter: JobsFilter = { statuses: [], name: '' };
  problem: Problem | undefined;
  loaded = false;
  /** API calls made by the last refresh (the explorer benchmark reads it). */
  lastRefreshCalls = 0;
  private calls = 0;

  private readonly changeListeners = new Set<(changed: JobsChange) => void>();
  private readonly problemListeners = new Set<() => void>();
  private readonly filterListeners = new Set<(filter: JobsFilter) => void>();

  constructor(
    private readonly batch: JobsBatchApi,
    private readonly explain: (error: unknown) => Problem,
    private readonly now: () => number = Date.now,
  ) {}

  onDidChange(listener: (changed: JobsChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Fires when `problem` appears, changes or clears — once, not per poll. */
  onDidChangeProblem(listener: () => void): () => void {
    this.problemListeners.add(listener);
    return () => this.problemListeners.delete(listener);
  }

  roots(): readonly JobsQueueNode[] {
    return this.queues;
  }

  children(node?: JobsViewNode): readonly JobsViewNode[] {
    if (!node) return this.queues;
    return node.kind === 'more' ? [] : (node.children ?? []);
  }

  getFilter(): JobsFilter {
    return { statuses: [...this.filter.statuses], name: this.filter.name };
  }

  setFilter(filter: JobsFilter): void {
    this.filter = { statuses: [...filter.statuses], name: filter.name.trim() };
    this.rebuild();
    for (const listener of this.filterListeners) listener(this.getFilter());
  }

  onDidChangeFilter(listener: (filter: JobsFilter) => void): () => void {
    this.filterListeners.add(listener);
    return () => this.filterListeners.delete(listener);
  }

  /** Loads what an expanded node shows (first expansion), and keeps it fresh on later refreshes. */
  async expand(node: JobsViewNode): Promise<void> {
    if (node.kind === 'more' || this.expanded.has(node.id)) {
      this.expanded.add(node.id);
      return;
    }
    this.expanded.add(node.id);
    // VS Code is waiting for this node's children: a change event for it now would make the tree
    // fetch them a second time and register the same ids twice.
    await this.run(async () => {
      if (node.kind === 'jobQueue') await this.loadQueue(node.name);
      else if (node.kind === 'statusGroup') await this.describeShown(node.children);
      else await this.loadJobChildren(node);
    }, node.id);
  }

  /**
   * Expands the way to a job (its queue, then the status group holding it) and returns its node, for
   * "Show in Jobs View". A queue given by ARN is matched too. Undefined when the queue does not list it.
   */
  async locate(queue: string, jobId: string): Promise<{ path: JobsViewNode[]; job: JobNode } | undefined> {
    if (!this.loaded) await this.refresh();
    const queueNode = this.queues.find((q) => q.name === queue || q.arn === queue);
    if (!queueNode) return undefined;
    if (!this.expanded.has(queueNode.id)) await this.expand(queueNode);
    else await this.refresh();
    for (const group of this.queues.find((q) => q.id === queueNode.id)?.children ?? []) {
      const job = group.children.find((child): child is JobNode => child.kind === 'job' && child.jobId === jobId);
      if (job) {
        await this.expand(group);
        return { path: [queueNode, group], job };
      }
    }
    return undefined;
  }

  collapse(node: JobsViewNode): void {
    this.expanded.delete(node.id);
  }

  /** True while an expanded part of the tree holds a job that can still change: poll faster. */
  hasActiveJobs(): boolean {
    const active = (status: string) => !TERMINAL_STATUSES.has(status);
    for (const queue of this.queues) {
      if (!this.expanded.has(queue.id)) continue;
      for (const group of queue.children ?? []) {
        if (!this.expanded.has(group.id)) continue;
        if (group.count > 0 && active(group.status)) return true;
        for (const job of group.children) {
          if (job.kind === 'job' && this.expanded.has(job.id) && job.children?.some((child) => active(child.status))) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /**
   * Concurrent calls share one refresh. Never rejects: failures land in `problem`.
   * @param relistQueues fetch the queue list now instead of at most once a minute (Refresh button).
   */
  refresh(relistQueues = false): Promise<void> {
    if (relistQueues) this.queueListAt = 0;
    this.inFlight ??= this.run(() => this.reloadAll()).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** Forget everything (account or region switch). */
  reset(): void {
    this.generation++;
    this.inFlight = undefined;
    this.queueList = undefined;
    this.queueData.clear();
    this.details.clear();
    this.jobChildren.clear();
    this.expanded.clear();
    this.loaded = false;
    this.setProblem(undefined);
    this.queues = [];
    this.emit(undefined);
  }

  private async run(work: () => Promise<void>, quietUnder?: string): Promise<void> {
    const generation = this.generation;
    this.calls = 0;
    try {
      await work();
    } catch (error) {
      if (generation === this.generation) this.setProblem(this.explain(error));
      return;
    } finally {
      this.lastRefreshCalls = this.calls;
    }
    if (generation !== this.generation) return;
    this.loaded = true;
    this.setProblem(undefined);
    this.rebuild(quietUnder);
  }

  private counted<T>(call: Promise<T>): Promise<T> {
    this.calls++;
    return call;
  }

  private async reloadAll(): Promise<void> {
    const fresh = this.queueList && this.now() - this.queueListAt <= QUEUE_LIST_MAX_AGE_MS;
    const queueList = fresh && this.queueList ? this.queueList : await this.loadQueueList();
    const names = new Set(queueList.map((queue) => queue.name));
    for (const name of [...this.queueData.keys()]) if (!names.has(name)) this.queueData.delete(name);
    const expandedQueues = queueList.filter((queue) => this.expanded.has(queueId(queue.name)));
    await Promise.all(expandedQueues.map((queue) => this.loadQueue(queue.name)));
    // With fresh summaries, re-describe what is shown and reload expanded jobs' children.
    const shown: (JobNode | MoreNode)[] = [];
    const expandedJobs: JobNode[] = [];
    for (const queue of this.buildTree()) {
      if (!this.expanded.has(queue.id)) continue;
      for (const group of queue.children ?? []) {
        if (!this.expanded.has(group.id)) continue;
        shown.push(...group.children);
        for (const job of group.children) if (job.kind === 'job' && this.expanded.has(job.id)) expandedJobs.push(job);
      }
    }
    await this.describeShown(shown);
    await Promise.all(expandedJobs.map((job) => this.loadJobChildren(job)));
  }

  private async loadQueueList(): Promise<{ name: string; arn: string }[]> {
    const queues = await this.counted(this.batch.describeJobQueues());
    this.queueList = queues.map((queue) => ({ name: queue.jobQueueName ?? '', arn: queue.jobQueueArn ?? '' }));
    this.queueListAt = this.now();
    return this.queueList;
  }

  private async loadQueue(queue: string): Promise<void> {
    if (!this.queueList) await this.loadQueueList();
    const lists = await Promise.all(
      JOB_STATUSES.map((jobStatus) => this.counted(this.batch.listJobs({ jobQueue: queue, jobStatus }))),
    );
    const byStatus = new Map<string, JobSummary[]>();
    JOB_STATUSES.forEach((status, i) => {
      // Array children are shown under their parent, not in the queue's groups.
      byStatus.set(
        status,
        lists[i].filter((job) => !isArrayChild(job)),
      );
    });
    this.queueData.set(queue, { byStatus });
  }

  /** Describes shown jobs that were never described or whose status moved since. */
  private async describeShown(nodes: readonly (JobNode | MoreNode)[]): Promise<void> {
    const stale = nodes.filter(
      (node): node is JobNode => node.kind === 'job' && this.details.get(node.jobId)?.status !== node.status,
    );
    if (!stale.length) return;
    const ids = stale.map((job) => job.jobId);
    this.calls += Math.ceil(ids.length / 100);
    for (const detail of await this.batch.describeJobs(ids)) if (detail.jobId) this.details.set(detail.jobId, detail);
  }

  private async loadJobChildren(job: JobNode): Promise<void> {
    const detail = this.details.get(job.jobId);
    if (isArrayParent(job, detail)) {
      this.jobChildren.set(job.jobId, await this.counted(this.batch.listJobs({ arrayJobId: job.jobId })));
      return;
    }
    if (detail && runInfo(detail).role === 'manager') {
      const candidates = await this.counted(
        this.batch.listJobs({ jobQueue: job.queue, jobName: workerJobName(job.jobName) }),
      );
      const unknown = candidates.map((c) => c.jobId ?? '').filter((id) => id && !this.details.has(id));
      if (unknown.length) {
        this.calls += Math.ceil(unknown.length / 100);
        for (const d of await this.batch.describeJobs(unknown)) if (d.jobId) this.details.set(d.jobId, d);
      }
      this.jobChildren.set(
        job.jobId,
        candidates.filter((c) => isWorkerOf(this.details.get(c.jobId ?? '') ?? {}, job.jobId)),
      );
    }
  }

  /** Rebuilds nodes from the cached data and reconciles them with what the view shows. */
  /** @param quietUnder id of a node whose subtree VS Code is fetching right now: no events for it. */
  private rebuild(quietUnder?: string): void {
    const all: TreeNode[] = [];
    const { nodes, listChanged } = reconcile(this.queues, this.buildTree(), all);
    this.queues = nodes;
    const changed = quietUnder ? all.filter((n) => n.id !== quietUnder && !n.id.startsWith(`${quietUnder}|`)) : all;
    if (listChanged) this.emit(undefined);
    else if (changed.length) this.emit(changed as JobsViewNode[]);
  }

  private buildTree(): JobsQueueNode[] {
    return (this.queueList ?? []).map((queue) => this.buildQueue(queue)).sort((a, b) => a.name.localeCompare(b.name));
  }

  private buildQueue(queue: { name: string; arn: string }): JobsQueueNode {
    const id = queueId(queue.name);
    const data = this.queueData.get(queue.name);
    const node: JobsQueueNode = { kind: 'jobQueue', id, name: queue.name, arn: queue.arn, total: undefined };
    if (!data) return node;
    const statuses = this.filter.statuses.length
      ? JOB_STATUSES.filter((s) => this.filter.statuses.includes(s))
      : JOB_STATUSES;
    // A run's worker array job is shown under its manager only, not in a status group of its own.
    const names = new Set([...data.byStatus.values()].flat().map((job) => job.jobName));
    const isRunWorkers = (job: JobSummary): boolean => {
      const detail = job.jobId ? this.details.get(job.jobId) : undefined;
      if (detail) return runInfo(detail).role === 'worker';
      const name = job.jobName ?? '';
      return name.endsWith(WORKERS_SUFFIX) && names.has(name.slice(0, -WORKERS_SUFFIX.length));
    };
    node.children = statuses.map((status) => {
      const groupId = `${id}|${status}`;
      const jobs = (data.byStatus.get(status) ?? [])
        .filter((job) => this.matchesName(job.jobName) && !isRunWorkers(job))
        .sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
      const shown: (JobNode | MoreNode)[] = jobs
        .slice(0, MAX_JOBS_PER_GROUP)
        .map((job) => this.buildJob(job, groupId, queue.name));
      if (jobs.length > MAX_JOBS_PER_GROUP)
        shown.push({ kind: 'more', id: `${groupId}|more`, hidden: jobs.length - MAX_JOBS_PER_GROUP });
      return { kind: 'statusGroup', id: groupId, queue: queue.name, status, count: jobs.length, children: shown };
    });
    node.total = node.children.reduce((sum, group) => sum + group.count, 0);
    return node;
  }

  private buildJob(summary: JobSummary, parentId: string, queue: string): JobNode {
    const jobId = summary.jobId ?? '';
    const id = `${parentId}|${jobId}`;
    const node = toJobNode(summary, this.details.get(jobId), id, queue);
    const children = this.jobChildren.get(jobId);
    if (children) {
      node.children = children
        .map((child) => this.buildJob(child, id, queue))
        .sort(
          (a, b) =>
            (a.arrayIndex ?? 0) - (b.arrayIndex ?? 0) || a.jobId.localeCompare(b.jobId, undefined, { numeric: true }),
        );
    }
    return node;
  }

  private matchesName(name: string | undefined): boolean {
    return !this.filter.name || (name ?? '').toLowerCase().includes(this.filter.name.toLowerCase());
  }

  private setProblem(problem: Problem | undefined): void {
    if (problem?.message === this.problem?.message) return;
    this.problem = problem;
    for (const listener of this.problemListeners) listener();
  }

  private emit(changed: JobsChange): void {
    for (const listener of this.changeListeners) listener(changed);
  }
}

export function queueId(name: string): string {
  return `jobs|${name}`;
}

/** A node of an array parent: its summary, or (moto) only its description, gives the size. */
export function isArrayParent(job: Pick<JobNode, 'jobId' | 'arraySize' | 'arrayIndex'>, detail?: JobDetail): boolean {
  return isArrayParentJob({
    jobId: job.jobId,
    arrayProperties: {
      size: job.arraySize ?? detail?.arrayProperties?.size,
      index: job.arrayIndex ?? detail?.arrayProperties?.index,
    },
  });
}

/** Whether a job node can be expanded (array parent or a run's manager). */
export function hasChildren(job: JobNode): boolean {
  return isArrayParent(job) || job.role === 'manager';
}

/** A job row from what ListJobs and (when described) DescribeJobs said; children are the caller's. */
export function toJobNode(
  summary: Partial<JobSummary>,
  detail: JobDetail | undefined,
  id: string,
  queue: string,
): JobNode {
  const jobId = summary.jobId ?? detail?.jobId ?? '';
  const run = detail ? runInfo(detail) : undefined;
  return {
    kind: 'job',
    id,
    jobId,
    jobArn: summary.jobArn ?? detail?.jobArn ?? '',
    jobName: summary.jobName ?? detail?.jobName ?? jobId,
    queue,
    status: summary.status ?? detail?.status ?? '',
    statusReason: summary.statusReason ?? detail?.statusReason ?? '',
    // 0 means "not yet" in some responses (moto's array parents).
    createdAt: (summary.createdAt ?? detail?.createdAt) || undefined,
    startedAt: (summary.startedAt ?? detail?.startedAt) || undefined,
    stoppedAt: (summary.stoppedAt ?? detail?.stoppedAt) || undefined,
    exitCode: summary.container?.exitCode ?? detail?.container?.exitCode,
    jobDefinition: summary.jobDefinition ?? detail?.jobDefinition ?? '',
    described: detail !== undefined,
    attempts: detail ? (detail.attempts?.length ?? 0) : undefined,
    image: detail?.container?.image,
    logStreamName: detail?.container?.logStreamName,
    arraySize: summary.arrayProperties?.size ?? detail?.arrayProperties?.size,
    arrayIndex: summary.arrayProperties?.index ?? detail?.arrayProperties?.index ?? childIndex({ jobId }),
    role: run?.role === 'manager' || run?.role === 'worker' ? run.role : undefined,
    runId: run?.runId,
    runUri: run?.runUri,
    managerJobId: run?.managerJobId,
  };
}
