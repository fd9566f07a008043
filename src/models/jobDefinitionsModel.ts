// State of the Job Definitions view: name → revisions, ACTIVE and optionally INACTIVE. No vscode import.
import type { JobDefinition } from '@aws-sdk/client-batch';
import type { BatchApi } from '../aws/batchApi';
import type { Problem } from '../shared/awsProblem';
import { reconcile, TreeNode } from './reconcile';

export interface DefinitionNameNode {
  readonly kind: 'definitionName';
  readonly id: string;
  name: string;
  latestRevision: number;
  activeRevisions: number;
  children: RevisionNode[];
}

export interface RevisionNode {
  readonly kind: 'revision';
  readonly id: string;
  name: string;
  revision: number;
  status: string;
  arn: string;
  type: string;
  image: string | undefined;
  vcpus: string | undefined;
  memoryMiB: string | undefined;
  gpus: string | undefined;
}

export type DefinitionsViewNode = DefinitionNameNode | RevisionNode;
export type DefinitionsChange = readonly DefinitionsViewNode[] | undefined;

export class JobDefinitionsModel {
  private names: DefinitionNameNode[] = [];
  private inFlight: Promise<void> | undefined;
  private generation = 0;
  private includeInactive = false;
  private lastData: JobDefinition[] = [];
  problem: Problem | undefined;
  loaded = false;
  private readonly changeListeners = new Set<(changed: DefinitionsChange) => void>();
  private readonly problemListeners = new Set<() => void>();

  constructor(
    private readonly batch: Pick<BatchApi, 'describeJobDefinitions'>,
    private readonly explain: (error: unknown) => Problem,
  ) {}

  onDidChange(listener: (changed: DefinitionsChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onDidChangeProblem(listener: () => void): () => void {
    this.problemListeners.add(listener);
    return () => this.problemListeners.delete(listener);
  }

  roots(): readonly DefinitionNameNode[] {
    return this.names;
  }

  children(node?: DefinitionsViewNode): readonly DefinitionsViewNode[] {
    if (!node) return this.names;
    return node.kind === 'definitionName' ? node.children : [];
  }

  get showsInactive(): boolean {
    return this.includeInactive;
  }

  setShowInactive(show: boolean): Promise<void> {
    this.includeInactive = show;
    return this.refresh();
  }

  refresh(): Promise<void> {
    this.inFlight ??= this.load().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  reset(): void {
    this.generation++;
    this.inFlight = undefined;
    this.names = [];
    this.lastData = [];
    this.loaded = false;
    this.setProblem(undefined);
    this.emit(undefined);
  }

  /** The raw definition behind a revision node, for Describe. */
  definition(arn: string): JobDefinition | undefined {
    return this.lastData.find((definition) => definition.jobDefinitionArn === arn);
  }

  private async load(): Promise<void> {
    const generation = this.generation;
    let data: JobDefinition[];
    try {
      const [active, inactive] = await Promise.all([
        this.batch.describeJobDefinitions({ status: 'ACTIVE' }),
        this.includeInactive ? this.batch.describeJobDefinitions({ status: 'INACTIVE' }) : Promise.resolve([]),
      ]);
      data = [...active, ...inactive];
    } catch (error) {
      if (generation === this.generation) this.setProblem(this.explain(error));
      return;
    }
    if (generation !== this.generation) return;
    this.lastData = data;
    this.loaded = true;
    this.setProblem(undefined);
    const changed: TreeNode[] = [];
    const { nodes, listChanged } = reconcile(this.names, buildDefinitionNodes(data), changed);
    this.names = nodes;
    if (listChanged) this.emit(undefined);
    else if (changed.length) this.emit(changed as DefinitionsViewNode[]);
  }

  private setProblem(problem: Problem | undefined): void {
    if (problem?.message === this.problem?.message) return;
    this.problem = problem;
    for (const listener of this.problemListeners) listener();
  }

  private emit(changed: DefinitionsChange): void {
    for (const listener of this.changeListeners) listener(changed);
  }
}

function requirement(definition: JobDefinition, type: 'VCPU' | 'MEMORY' | 'GPU'): string | undefined {
  const container = definition.containerProperties;
  const found = container?.resourceRequirements?.find((r) => r.type === type)?.value;
  if (found !== undefined) return found;
  if (type === 'VCPU' && container?.vcpus !== undefined) return String(container.vcpus);
  if (type === 'MEMORY' && container?.memory !== undefined) return String(container.memory);
  return undefined;
}

export function buildDefinitionNodes(definitions: readonly JobDefinition[]): DefinitionNameNode[] {
  const byName = new Map<string, RevisionNode[]>();
  for (const definition of definitions) {
    const name = definition.jobDefinitionName ?? '';
    const revision: RevisionNode = {
      kind: 'revision',
      id: definition.jobDefinitionArn ?? `${name}:${definition.revision}`,
      name,
      revision: definition.revision ?? 0,
      status: definition.status ?? '',
      arn: definition.jobDefinitionArn ?? '',
      type: definition.type ?? '',
      image: definition.containerProperties?.image,
      vcpus: requirement(definition, 'VCPU'),
      memoryMiB: requirement(definition, 'MEMORY'),
      gpus: requirement(definition, 'GPU'),
    };
    byName.set(name, [...(byName.get(name) ?? []), revision]);
  }
  return [...byName.entries()]
    .map(([name, revisions]): DefinitionNameNode => {
      revisions.sort((a, b) => b.revision - a.revision);
      return {
        kind: 'definitionName',
        id: `definition|${name}`,
        name,
        latestRevision: revisions[0].revision,
        activeRevisions: revisions.filter((r) => r.status === 'ACTIVE').length,
        children: revisions,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
