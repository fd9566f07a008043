// Thin adapter from RunsModel to VS Code's tree API: icons per state, and the words of
// src/models/runs/runFormat.ts. Job rows are the Jobs view's, so its job menus work here too.
import * as vscode from 'vscode';
import { escapeMarkdown } from '../models/markdown';
import {
  failedTaskText,
  failuresLabel,
  runContextValue,
  runDescription,
  runTooltipMarkdown,
} from '../models/runs/runFormat';
import type { FailedTaskNode, RunNode, RunsViewNode } from '../models/runs/runNodes';
import type { RunState } from '../models/runs/runStatus';
import type { RunsModel } from '../models/runs/runsModel';
import { COMMANDS } from '../ui/ids';
import { jobItem } from './jobsProvider';

const STATE_ICONS: Record<RunState, [string, string | undefined]> = {
  starting: ['clock', 'charts.yellow'],
  running: ['sync~spin', 'charts.blue'],
  succeeded: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  cancelled: ['circle-slash', 'disabledForeground'],
  lost: ['warning', 'charts.orange'],
  unknown: ['question', undefined],
};

export function runIcon(state: RunState): vscode.ThemeIcon {
  const [icon, color] = STATE_ICONS[state];
  return new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
}

type RunsModelView = Pick<RunsModel, 'onDidChange' | 'loaded' | 'refresh' | 'roots' | 'children' | 'isWatched'>;

export class RunsProvider implements vscode.TreeDataProvider<RunsViewNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsViewNode | RunsViewNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly unsubscribe: () => void;

  constructor(private readonly model: RunsModelView) {
    this.unsubscribe = model.onDidChange((nodes) => this.changed.fire(nodes ? [...nodes] : undefined));
  }

  /** Watching changed outside the model's data (context value and tooltip): re-render the row. */
  refreshRow(node: RunNode): void {
    this.changed.fire(node);
  }

  getTreeItem(node: RunsViewNode): vscode.TreeItem {
    switch (node.kind) {
      case 'run':
        return runItem(node, this.model.isWatched(node.runUri));
      case 'job': {
        const item = jobItem(node);
        // A manager's workers are its siblings here, not its children.
        item.collapsibleState = node.children?.length
          ? vscode.TreeItemCollapsibleState.Collapsed
          : vscode.TreeItemCollapsibleState.None;
        return item;
      }
      case 'runFailures': {
        const item = new vscode.TreeItem(
          failuresLabel(node.count, node.children.length),
          vscode.TreeItemCollapsibleState.Collapsed,
        );
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
        item.contextValue = 'runFailures';
        return item;
      }
      case 'failedTask':
        return failedTaskItem(node);
      case 'taskLine': {
        const item = new vscode.TreeItem(node.text || ' ', vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.tooltip = node.text;
        item.contextValue = 'taskLine';
        return item;
      }
      case 'runResults': {
        const item = new vscode.TreeItem('Results', vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.description = node.runUri;
        item.iconPath = new vscode.ThemeIcon('cloud-download');
        item.tooltip = `Download ${node.runUri} into the workspace`;
        item.contextValue = 'runResults';
        item.command = { command: COMMANDS.downloadResults, title: 'Download Results', arguments: [node] };
        return item;
      }
      case 'runsMore': {
        const item = new vscode.TreeItem(`${node.hidden} older runs not shown`, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.description = 'click to show more';
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.tooltip = 'Their summaries are read when shown.';
        item.contextValue = 'runsMore';
        item.command = { command: COMMANDS.showMoreRuns, title: 'Show More Runs' };
        return item;
      }
      case 'runInfo': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.description = node.detail;
        item.iconPath = new vscode.ThemeIcon(node.runUri ? 'history' : 'info');
        item.tooltip = node.runUri ? `${node.label}: ${node.runUri}` : node.label;
        item.contextValue = 'runInfo';
        return item;
      }
    }
  }

  async getChildren(node?: RunsViewNode): Promise<RunsViewNode[]> {
    if (!node) {
      // The first look searches the queues' manager jobs too, not only the run folders.
      if (!this.model.loaded) await this.model.refresh(true);
      return [...this.model.roots()];
    }
    return [...this.model.children(node)];
  }

  /** Needed by TreeView.reveal (Show Failed Tasks); the trees are small, so a search will do. */
  getParent(node: RunsViewNode): RunsViewNode | undefined {
    if (node.kind === 'run') return undefined;
    return findParent(this.model.roots(), node, undefined) ?? undefined;
  }

  dispose(): void {
    this.unsubscribe();
    this.changed.dispose();
  }
}

/** The parent of `target` below `parent` (undefined: a root), or null when it is not there. */
function findParent(
  nodes: readonly RunsViewNode[],
  target: RunsViewNode,
  parent: RunsViewNode | undefined,
): RunsViewNode | undefined | null {
  for (const node of nodes) {
    if (node.id === target.id) return parent;
    const children = 'children' in node ? (node.children as RunsViewNode[] | undefined) : undefined;
    if (children?.length) {
      const found = findParent(children, target, node);
      if (found !== null) return found;
    }
  }
  return null;
}

function runItem(node: RunNode, watched: boolean): vscode.TreeItem {
  const { status } = node;
  const item = new vscode.TreeItem(status.name || node.runId, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = node.id;
  item.description = runDescription(status);
  item.iconPath = runIcon(status.state);
  item.contextValue = runContextValue(status, watched);
  item.tooltip = new vscode.MarkdownString(runTooltipMarkdown(status, watched), true);
  return item;
}

function failedTaskItem(node: FailedTaskNode): vscode.TreeItem {
  const { label, description } = failedTaskText(node);
  const item = new vscode.TreeItem(
    label,
    node.children.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
  );
  item.id = node.id;
  // "exit code 1 (attempt 3 of 3)" says again what the row says; a reason with more is shown.
  const extra = node.reason.replace(/^exit code \d+\s*(\(attempt \d+ of \d+\))?$/, '').trim();
  item.description = extra ? `${description} · ${extra}` : description;
  item.iconPath = new vscode.ThemeIcon('close', new vscode.ThemeColor('testing.iconFailed'));
  item.contextValue = 'failedTask';
  const tip = new vscode.MarkdownString(undefined, true);
  tip.appendMarkdown(`**${label}** · ${escapeMarkdown(description)}\n\n`);
  if (node.reason) tip.appendMarkdown(`${escapeMarkdown(node.reason)}\n\n`);
  if (node.tail.length) tip.appendCodeblock(node.tail.join('\n'), 'text');
  item.tooltip = tip;
  return item;
}
