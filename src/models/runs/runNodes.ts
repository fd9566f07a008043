// The nodes of the Runs view: a run, and under it its manager job, its worker array job (with its
// children), its failed tasks (with the last lines each printed) and its results folder. Job rows
// are the Jobs view's JobNode, so Show Logs, Describe and Terminate work on them as there.
import type { JobDetail, JobSummary } from '@aws-sdk/client-batch';
import { toJobNode, type JobNode } from '../jobsModel';
import type { FailedTask, SpecView } from './runFiles';
import type { ManagerJobFacts, RunStatus } from './runStatus';

export interface RunNode {
  readonly kind: 'run';
  readonly id: string;
  runUri: string;
  runId: string;
  status: RunStatus;
  children?: RunChildNode[];
}

export interface RunFailuresNode {
  readonly kind: 'runFailures';
  readonly id: string;
  runUri: string;
  runId: string;
  count: number;
  children: FailedTaskNode[];
}

export interface FailedTaskNode extends FailedTask {
  readonly kind: 'failedTask';
  readonly id: string;
  runUri: string;
  runId: string;
  children: TaskLineNode[];
}

export interface TaskLineNode {
  readonly kind: 'taskLine';
  readonly id: string;
  text: string;
}

export interface RunResultsNode {
  readonly kind: 'runResults';
  readonly id: string;
  runUri: string;
  runId: string;
}

export interface RunInfoNode {
  readonly kind: 'runInfo';
  readonly id: string;
  label: string;
  detail: string | undefined;
  /** The run this line points to (a re-run's parent). */
  runUri: string | undefined;
}

/** The last row when older runs are not shown yet: "Show More" reads the next page. */
export interface RunsMoreNode {
  readonly kind: 'runsMore';
  readonly id: string;
  hidden: number;
}

export type RunChildNode = JobNode | RunFailuresNode | RunResultsNode | RunInfoNode;
export type RunsViewNode = RunNode | RunsMoreNode | RunChildNode | FailedTaskNode | TaskLineNode;

export interface RunChildrenInput {
  status: RunStatus;
  spec: SpecView | undefined;
  manager: JobDetail | ManagerJobFacts | undefined;
  workers: JobDetail | undefined;
  workerChildren: JobSummary[] | undefined;
  queue: string;
}

export function buildRunChildren(input: RunChildrenInput): RunChildNode[] {
  const { status } = input;
  const base = `run|${status.runUri}`;
  const nodes: RunChildNode[] = [];
  if (status.parentRunId) {
    const parentUri = status.runUri.replace(/[^/]+\/$/, `${status.parentRunId}/`);
    nodes.push({
      kind: 'runInfo',
      id: `${base}|parent`,
      label: `Re-run of ${status.parentRunId}`,
      detail: 'only the tasks that failed there',
      runUri: parentUri,
    });
  }
  if (status.reason && !['running', 'starting', 'succeeded'].includes(status.state)) {
    nodes.push({ kind: 'runInfo', id: `${base}|reason`, label: status.reason, detail: undefined, runUri: undefined });
  }
  if (input.manager) {
    const detail = 'queue' in input.manager ? undefined : input.manager;
    const node = toJobNode(
      managerSummary(input.manager),
      detail,
      `${base}|manager|${input.manager.jobId}`,
      input.queue,
    );
    node.role = 'manager';
    node.runId = status.runId;
    node.runUri = status.runUri;
    nodes.push(node);
  } else if (status.managerJobId) {
    nodes.push({
      kind: 'runInfo',
      id: `${base}|manager-gone`,
      label: 'Manager job no longer in AWS Batch',
      detail: status.managerJobId,
      runUri: undefined,
    });
  }
  if (input.workers?.jobId) {
    const id = `${base}|workers|${input.workers.jobId}`;
    const workers = toJobNode({}, input.workers, id, input.queue);
    workers.role = 'worker';
    workers.runId = status.runId;
    if (input.workerChildren) {
      workers.children = input.workerChildren
        .map((child) => toJobNode(child, undefined, `${id}|${child.jobId}`, input.queue))
        .sort((a, b) => (a.arrayIndex ?? 0) - (b.arrayIndex ?? 0));
      for (const child of workers.children) child.role = 'worker';
    }
    nodes.push(workers);
  } else if (status.workerJobId) {
    nodes.push({
      kind: 'runInfo',
      id: `${base}|workers-gone`,
      label: 'Worker jobs',
      detail: `${status.workerJobId} (loading, or no longer in AWS Batch)`,
      runUri: undefined,
    });
  }
  if (status.failures.length > 0) {
    const failed = status.tasks?.failed ?? status.failures.length;
    nodes.push({
      kind: 'runFailures',
      id: `${base}|failures`,
      runUri: status.runUri,
      runId: status.runId,
      count: failed,
      children: status.failures.map((failure) => ({
        ...failure,
        kind: 'failedTask',
        id: `${base}|failures|${failure.index}`,
        runUri: status.runUri,
        runId: status.runId,
        children: failure.tail.map((text, i) => ({
          kind: 'taskLine',
          id: `${base}|failures|${failure.index}|${i}`,
          text,
        })),
      })),
    });
  }
  nodes.push({ kind: 'runResults', id: `${base}|results`, runUri: status.runUri, runId: status.runId });
  return nodes;
}

function managerSummary(manager: JobDetail | ManagerJobFacts): Partial<JobSummary> {
  if ('queue' in manager) {
    return {
      jobId: manager.jobId,
      jobName: manager.jobName,
      status: manager.status as JobSummary['status'],
      statusReason: manager.statusReason,
      startedAt: manager.startedAt,
      stoppedAt: manager.stoppedAt,
      container: manager.exitCode === undefined ? undefined : { exitCode: manager.exitCode },
    };
  }
  return {};
}
