// Thin adapter from JobQueuesModel to VS Code's tree API: labels, icons, tooltips, context values.
import * as vscode from 'vscode';
import { escapeMarkdown } from '../models/markdown';
import type { ComputeEnvironmentNode, JobQueuesModel, QueueNode, QueuesViewNode } from '../models/jobQueuesModel';

export class JobQueuesProvider implements vscode.TreeDataProvider<QueuesViewNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<QueuesViewNode | QueuesViewNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly unsubscribe: () => void;

  constructor(private readonly model: JobQueuesModel) {
    this.unsubscribe = model.onDidChange((nodes) => this.changed.fire(nodes ? [...nodes] : undefined));
  }

  getTreeItem(node: QueuesViewNode): vscode.TreeItem {
    return node.kind === 'queue' ? queueItem(node) : computeEnvironmentItem(node);
  }

  async getChildren(node?: QueuesViewNode): Promise<QueuesViewNode[]> {
    if (!node && this.model.state === 'loading') await this.model.refresh();
    return [...this.model.children(node)];
  }

  getParent(node: QueuesViewNode): QueuesViewNode | undefined {
    if (node.kind === 'queue') return undefined;
    return this.model.roots().find((queue) => queue.children.includes(node));
  }

  dispose(): void {
    this.unsubscribe();
    this.changed.dispose();
  }
}

function health(state: string, status: string): { icon: string; color: string | undefined } {
  if (status === 'INVALID') return { icon: 'error', color: 'errorForeground' };
  if (status === 'CREATING' || status === 'UPDATING' || status === 'DELETING')
    return { icon: 'sync', color: 'charts.yellow' };
  if (state === 'DISABLED') return { icon: 'circle-slash', color: 'disabledForeground' };
  return { icon: '', color: 'charts.green' };
}

function queueItem(queue: QueueNode): vscode.TreeItem {
  const item = new vscode.TreeItem(
    queue.name,
    queue.children.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
  );
  item.id = queue.id;
  item.description = `${queue.state}/${queue.status} · priority ${queue.priority}`;
  const { icon, color } = health(queue.state, queue.status);
  item.iconPath = new vscode.ThemeIcon(icon || 'layers', color ? new vscode.ThemeColor(color) : undefined);
  item.contextValue = 'jobQueue';
  const tooltip = new vscode.MarkdownString(undefined, true);
  tooltip.appendMarkdown(`**${escapeMarkdown(queue.name)}** — job queue\n\n`);
  tooltip.appendMarkdown(`State: ${queue.state} · Status: ${queue.status} · Priority: ${queue.priority}\n\n`);
  if (queue.statusReason) tooltip.appendMarkdown(`${escapeMarkdown(queue.statusReason)}\n\n`);
  tooltip.appendMarkdown(
    `Compute environments, in order: ${queue.children.map((ce) => escapeMarkdown(ce.name)).join(', ') || 'none'}\n\n`,
  );
  tooltip.appendCodeblock(queue.arn, 'text');
  item.tooltip = tooltip;
  return item;
}

export function vcpuSummary(ce: Pick<ComputeEnvironmentNode, 'minvCpus' | 'desiredvCpus' | 'maxvCpus'>): string {
  // Fargate environments only have a maximum.
  if (ce.minvCpus === undefined && ce.desiredvCpus === undefined) {
    return ce.maxvCpus === undefined ? 'vCPUs –' : `max ${ce.maxvCpus} vCPUs`;
  }
  const show = (n: number | undefined) => (n === undefined ? '–' : String(n));
  return `${show(ce.minvCpus)}/${show(ce.desiredvCpus)}/${show(ce.maxvCpus)} vCPUs`;
}

function computeEnvironmentItem(ce: ComputeEnvironmentNode): vscode.TreeItem {
  const item = new vscode.TreeItem(ce.name, vscode.TreeItemCollapsibleState.None);
  item.id = ce.id;
  const kind = [ce.type, ce.provisioning].filter(Boolean).join(' ') || 'unknown';
  const parts = [kind, ce.state ? `${ce.state}/${ce.status}` : 'not found'];
  if (ce.type === 'MANAGED') parts.push(vcpuSummary(ce));
  item.description = parts.join(' · ');
  const { icon, color } = ce.type
    ? health(ce.state, ce.status)
    : { icon: 'warning', color: 'problemsWarningIcon.foreground' };
  item.iconPath = new vscode.ThemeIcon(icon || 'server-environment', color ? new vscode.ThemeColor(color) : undefined);
  item.contextValue = 'computeEnvironment';
  const tooltip = new vscode.MarkdownString(undefined, true);
  tooltip.appendMarkdown(`**${escapeMarkdown(ce.name)}** — compute environment (order ${ce.order})\n\n`);
  tooltip.appendMarkdown(`Type: ${kind} · State: ${ce.state || '–'} · Status: ${ce.status || '–'}\n\n`);
  if (ce.type === 'MANAGED') {
    tooltip.appendMarkdown(
      `vCPUs: min ${ce.minvCpus ?? '–'}, desired ${ce.desiredvCpus ?? '–'}, max ${ce.maxvCpus ?? '–'}\n\n`,
    );
  }
  if (ce.statusReason) tooltip.appendMarkdown(`${escapeMarkdown(ce.statusReason)}\n\n`);
  tooltip.appendCodeblock(ce.arn, 'text');
  item.tooltip = tooltip;
  return item;
}
