// Thin adapter from JobsTreeModel to VS Code's tree API.
import * as vscode from 'vscode';
import { escapeMarkdown } from '../models/markdown';
import { CANCELLABLE_STATUSES, TERMINABLE_STATUSES } from '../shared/run';
import { formatTime, jobTiming, shortId } from '../models/jobFormat';
import { hasChildren, JobNode, JobsTreeModel, JobsViewNode, StatusGroupNode } from '../models/jobsModel';
import { COMMANDS } from '../ui/ids';

const STATUS_ICONS: Record<string, [string, string | undefined]> = {
  SUBMITTED: ['circle-large-outline', undefined],
  PENDING: ['clock', 'charts.yellow'],
  RUNNABLE: ['history', 'charts.yellow'],
  STARTING: ['loading~spin', 'charts.blue'],
  RUNNING: ['play-circle', 'charts.blue'],
  SUCCEEDED: ['pass', 'testing.iconPassed'],
  FAILED: ['error', 'testing.iconFailed'],
};

export function statusIcon(status: string): vscode.ThemeIcon {
  const [icon, color] = STATUS_ICONS[status] ?? ['question', undefined];
  return new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
}

/** contextValue of a job: menus test it with regexes such as /;cancellable/ (see package.json). */
export function jobContextValue(job: JobNode): string {
  const parts = ['job', `status=${job.status}`];
  if (CANCELLABLE_STATUSES.has(job.status)) parts.push('cancellable');
  if (TERMINABLE_STATUSES.has(job.status)) parts.push('terminable');
  if (job.runId) parts.push('run');
  if (job.role) parts.push(job.role);
  return parts.join(';');
}

export class JobsProvider implements vscode.TreeDataProvider<JobsViewNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<JobsViewNode | JobsViewNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly unsubscribe: () => void;

  constructor(private readonly model: JobsTreeModel) {
    this.unsubscribe = model.onDidChange((nodes) => this.changed.fire(nodes ? [...nodes] : undefined));
  }

  getTreeItem(node: JobsViewNode): vscode.TreeItem {
    switch (node.kind) {
      case 'jobQueue': {
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon('layers');
        if (node.total !== undefined) item.description = `${node.total} jobs`;
        item.contextValue = 'jobsQueue';
        item.tooltip = node.arn;
        return item;
      }
      case 'statusGroup':
        return groupItem(node);
      case 'more': {
        const item = new vscode.TreeItem(`${node.hidden} older jobs not shown`, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.description = 'filter by name to narrow';
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: COMMANDS.filterJobsByName, title: 'Filter by Name' };
        return item;
      }
      default:
        return jobItem(node);
    }
  }

  async getChildren(node?: JobsViewNode): Promise<JobsViewNode[]> {
    if (!node) {
      if (!this.model.loaded) await this.model.refresh();
      return [...this.model.roots()];
    }
    await this.model.expand(node);
    return [...this.model.children(node)];
  }

  /** Needed by TreeView.reveal (Show in Jobs View): the node whose children hold this one. */
  getParent(node: JobsViewNode): JobsViewNode | undefined {
    const search = (
      nodes: readonly JobsViewNode[],
      parent: JobsViewNode | undefined,
    ): JobsViewNode | undefined | null => {
      for (const candidate of nodes) {
        if (candidate.id === node.id) return parent;
        const children = 'children' in candidate ? (candidate.children as JobsViewNode[] | undefined) : undefined;
        if (children?.length && node.id.startsWith(`${candidate.id}|`)) {
          const found = search(children, candidate);
          if (found !== null) return found;
        }
      }
      return null;
    };
    return search(this.model.roots(), undefined) ?? undefined;
  }

  dispose(): void {
    this.unsubscribe();
    this.changed.dispose();
  }
}

function groupItem(group: StatusGroupNode): vscode.TreeItem {
  const item = new vscode.TreeItem(
    `${group.status} (${group.count})`,
    group.count ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
  );
  item.id = group.id;
  item.iconPath = statusIcon(group.status);
  item.contextValue = 'statusGroup';
  return item;
}

/** A job row; the Runs view shows its manager and worker jobs with it, so their menus are the same. */
export function jobItem(job: JobNode): vscode.TreeItem {
  const item = new vscode.TreeItem(
    job.arrayIndex !== undefined ? `[${job.arrayIndex}] ${job.jobName}` : job.jobName,
    hasChildren(job) ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
  );
  item.id = job.id;
  const parts = [shortId(job.jobId), jobTiming(job)];
  if (job.attempts !== undefined && job.attempts > 1) parts.push(`${job.attempts} attempts`);
  if (job.exitCode !== undefined) parts.push(`exit ${job.exitCode}`);
  if (job.arraySize !== undefined && job.arrayIndex === undefined) parts.push(`array of ${job.arraySize}`);
  if (job.role === 'manager') parts.push('run manager');
  item.description = parts.filter(Boolean).join(' · ');
  item.iconPath = statusIcon(job.status);
  item.contextValue = jobContextValue(job);
  item.tooltip = jobTooltip(job);
  return item;
}

export function jobTooltip(job: JobNode): vscode.MarkdownString {
  const tip = new vscode.MarkdownString(undefined, true);
  tip.appendMarkdown(`**${escapeMarkdown(job.jobName)}** · ${job.status}\n\n`);
  if (job.statusReason) tip.appendMarkdown(`*${escapeMarkdown(job.statusReason)}*\n\n`);
  const rows: [string, string | undefined][] = [
    ['Job ID', job.jobId],
    ['Queue', job.queue],
    ['Exit code', job.exitCode?.toString()],
    ['Attempts', job.attempts?.toString()],
    ['Created', formatTime(job.createdAt)],
    ['Started', job.startedAt ? formatTime(job.startedAt) : undefined],
    ['Stopped', job.stoppedAt ? formatTime(job.stoppedAt) : undefined],
    ['Image', job.image],
    ['Log stream', job.logStreamName],
    ['Run', job.runId],
  ];
  for (const [label, value] of rows) if (value) tip.appendMarkdown(`${label}: \`${value.replace(/`/g, "'")}\`  \n`);
  if (!job.described) tip.appendMarkdown('\n*Expand the status group to load image, attempts and log stream.*');
  return tip;
}
