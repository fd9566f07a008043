// Thin adapter from JobDefinitionsModel to VS Code's tree API.
import * as vscode from 'vscode';
import type { DefinitionsViewNode, JobDefinitionsModel, RevisionNode } from '../models/jobDefinitionsModel';
import { COMMANDS } from '../ui/ids';

export class JobDefinitionsProvider implements vscode.TreeDataProvider<DefinitionsViewNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<DefinitionsViewNode | DefinitionsViewNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly unsubscribe: () => void;

  constructor(private readonly model: JobDefinitionsModel) {
    this.unsubscribe = model.onDidChange((nodes) => this.changed.fire(nodes ? [...nodes] : undefined));
  }

  getTreeItem(node: DefinitionsViewNode): vscode.TreeItem {
    if (node.kind === 'definitionName') {
      const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = node.id;
      item.iconPath = new vscode.ThemeIcon('symbol-class');
      item.description = `rev ${node.latestRevision}` + (node.activeRevisions ? '' : ' · inactive');
      item.contextValue = 'jobDefinitionName';
      return item;
    }
    return revisionItem(node);
  }

  async getChildren(node?: DefinitionsViewNode): Promise<DefinitionsViewNode[]> {
    if (!node && !this.model.loaded) await this.model.refresh();
    return [...this.model.children(node)];
  }

  dispose(): void {
    this.unsubscribe();
    this.changed.dispose();
  }
}

export function resourcesSummary(revision: Pick<RevisionNode, 'vcpus' | 'memoryMiB' | 'gpus'>): string {
  const parts: string[] = [];
  if (revision.vcpus) parts.push(`${revision.vcpus} vCPU`);
  if (revision.memoryMiB) parts.push(`${revision.memoryMiB} MiB`);
  if (revision.gpus && revision.gpus !== '0') parts.push(`${revision.gpus} GPU`);
  return parts.join(' · ');
}

function revisionItem(revision: RevisionNode): vscode.TreeItem {
  const item = new vscode.TreeItem(`${revision.name}:${revision.revision}`, vscode.TreeItemCollapsibleState.None);
  item.id = revision.id;
  const active = revision.status === 'ACTIVE';
  item.iconPath = new vscode.ThemeIcon(
    active ? 'versions' : 'circle-slash',
    active ? undefined : new vscode.ThemeColor('disabledForeground'),
  );
  item.description = [active ? '' : 'INACTIVE', revision.image, resourcesSummary(revision)].filter(Boolean).join(' · ');
  item.contextValue = active ? 'jobDefinitionRevision;active' : 'jobDefinitionRevision;inactive';
  const tip = new vscode.MarkdownString(undefined, true);
  tip.appendMarkdown(`**${revision.name}:${revision.revision}** · ${revision.status} · ${revision.type}  \n`);
  if (revision.image) tip.appendMarkdown(`Image: \`${revision.image}\`  \n`);
  const resources = resourcesSummary(revision);
  if (resources) tip.appendMarkdown(`Resources: ${resources}  \n`);
  tip.appendCodeblock(revision.arn, 'text');
  item.tooltip = tip;
  item.command = { command: COMMANDS.describeDefinition, title: 'Describe', arguments: [revision] };
  return item;
}
