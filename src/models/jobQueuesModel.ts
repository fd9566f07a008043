// State of the Job Queues view: the last good snapshot, diffed on every refresh so that only the
// nodes that changed are re-rendered (expanded nodes and the selection survive). No vscode import.
import type { ComputeEnvironmentDetail, JobQueueDetail } from '@aws-sdk/client-batch';
import type { BatchApi } from '../aws/batchApi';
import type { Problem } from '../shared/awsProblem';
import { reconcile, TreeNode } from './reconcile';

export interface QueueNode {
  readonly kind: 'queue';
  readonly id: string;
  name: string;
  arn: string;
  state: string;
  status: string;
  statusReason: string;
  priority: number;
  children: ComputeEnvironmentNode[];
}

export interface ComputeEnvironmentNode {
  readonly kind: 'computeEnvironment';
  readonly id: string;
  name: string;
  arn: string;
  order: number;
  /** MANAGED or UNMANAGED; empty when the environment could not be described (e.g. deleted). */
  type: string;
  /** EC2, SPOT, FARGATE or FARGATE_SPOT for managed environments. */
  provisioning: string;
  state: string;
  status: string;
  statusReason: string;
  minvCpus: number | undefined;
  desiredvCpus: number | undefined;
  maxvCpus: number | undefined;
}

export type QueuesViewNode = QueueNode | ComputeEnvironmentNode;

export interface QueuesSnapshot {
  queues: JobQueueDetail[];
  computeEnvironments: ComputeEnvironmentDetail[];
}

/** What the view shows: every queue and the compute environments they use. */
export async function loadQueues(
  batch: Pick<BatchApi, 'describeJobQueues' | 'describeComputeEnvironments'>,
): Promise<QueuesSnapshot> {
  const queues = await batch.describeJobQueues();
  const names = queues.flatMap((queue) => (queue.computeEnvironmentOrder ?? []).map((o) => o.computeEnvironment ?? ''));
  const computeEnvironments = await batch.describeComputeEnvironments(names.filter(Boolean));
  return { queues, computeEnvironments };
}

/**
 * loading: nothing fetched yet; ready/empty: the last fetch worked; noCredentials/error: no fetch
 * has worked yet. After a good fetch a failure keeps the tree and only sets `problem`.
 */
export type QueuesLoadState = 'loading' | 'ready' | 'empty' | 'noCredentials' | 'error';

/** undefined means "the whole tree". */
export type ChangedNodes = readonly QueuesViewNode[] | undefined;

const CREDENTIAL_KINDS = new Set([
  'noCredentials',
  'ssoExpired',
  'credentialsExpired',
  'credentialsRejected',
  'profile',
]);

export class JobQueuesModel {
  private queues: QueueNode[] = [];
  private inFlight: Promise<void> | undefined;
  private generation = 0;
  state: QueuesLoadState = 'loading';
  problem: Problem | undefined;

  private readonly changeListeners = new Set<(changed: ChangedNodes) => void>();
  private readonly stateListeners = new Set<() => void>();

  constructor(
    private readonly batch: Pick<BatchApi, 'describeJobQueues' | 'describeComputeEnvironments'>,
    private readonly explain: (error: unknown) => Problem,
  ) {}

  roots(): readonly QueueNode[] {
    return this.queues;
  }

  children(node?: QueuesViewNode): readonly QueuesViewNode[] {
    if (!node) return this.queues;
    return node.kind === 'queue' ? node.children : [];
  }

  /** Fires with the nodes whose content changed, or undefined when the list of queues changed. */
  onDidChange(listener: (changed: ChangedNodes) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Fires when `state` or `problem` changes (not on every poll). */
  onDidChangeState(listener: () => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Concurrent calls share one fetch. Never rejects: failures land in `problem`. */
  refresh(): Promise<void> {
    this.inFlight ??= this.fetchAndApply().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** Forget everything, e.g. after switching account or region, so no stale queue is shown. */
  reset(): void {
    this.generation++;
    this.inFlight = undefined;
    this.queues = [];
    this.setState('loading', undefined);
    this.emit(undefined);
  }

  private async fetchAndApply(): Promise<void> {
    const generation = this.generation;
    let snapshot: QueuesSnapshot;
    try {
      snapshot = await loadQueues(this.batch);
    } catch (error) {
      if (generation !== this.generation) return;
      const problem = this.explain(error);
      const hasTree = this.state === 'ready' || this.state === 'empty';
      this.setState(hasTree ? this.state : CREDENTIAL_KINDS.has(problem.kind) ? 'noCredentials' : 'error', problem);
      return;
    }
    if (generation !== this.generation) return;
    const changed = this.apply(buildQueueNodes(snapshot));
    this.setState(this.queues.length ? 'ready' : 'empty', undefined);
    if (changed === undefined || changed.length) this.emit(changed);
  }

  /** Updates existing node objects in place so the view keeps their identity; returns what changed. */
  private apply(next: QueueNode[]): ChangedNodes {
    const changed: TreeNode[] = [];
    const { nodes, listChanged } = reconcile(this.queues, next, changed);
    this.queues = nodes;
    return listChanged ? undefined : (changed as QueuesViewNode[]);
  }

  private setState(state: QueuesLoadState, problem: Problem | undefined): void {
    const same = state === this.state && problem?.message === this.problem?.message;
    this.state = state;
    this.problem = problem;
    if (!same) for (const listener of this.stateListeners) listener();
  }

  private emit(changed: ChangedNodes): void {
    for (const listener of this.changeListeners) listener(changed);
  }
}

export function buildQueueNodes(snapshot: QueuesSnapshot): QueueNode[] {
  const environments = new Map(snapshot.computeEnvironments.map((ce) => [ce.computeEnvironmentArn ?? '', ce]));
  const byName = new Map(snapshot.computeEnvironments.map((ce) => [ce.computeEnvironmentName ?? '', ce]));
  return snapshot.queues
    .map((queue): QueueNode => {
      const arn = queue.jobQueueArn ?? queue.jobQueueName ?? '';
      const order = [...(queue.computeEnvironmentOrder ?? [])].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
      return {
        kind: 'queue',
        id: arn,
        name: queue.jobQueueName ?? arn,
        arn,
        state: queue.state ?? '',
        status: queue.status ?? '',
        statusReason: queue.statusReason ?? '',
        priority: queue.priority ?? 0,
        children: order.map((entry): ComputeEnvironmentNode => {
          const ref = entry.computeEnvironment ?? '';
          const ce = environments.get(ref) ?? byName.get(ref);
          return {
            kind: 'computeEnvironment',
            id: `${arn}|${ref}`,
            name: ce?.computeEnvironmentName ?? ref.split('/').pop() ?? ref,
            arn: ce?.computeEnvironmentArn ?? ref,
            order: entry.order ?? 0,
            type: ce?.type ?? '',
            provisioning: ce?.computeResources?.type ?? '',
            state: ce?.state ?? '',
            status: ce?.status ?? '',
            statusReason: ce
              ? (ce.statusReason ?? '')
              : 'This compute environment could not be described; it may have been deleted.',
            minvCpus: ce?.computeResources?.minvCpus,
            desiredvCpus: ce?.computeResources?.desiredvCpus,
            maxvCpus: ce?.computeResources?.maxvCpus,
          };
        }),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
