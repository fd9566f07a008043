// "AWS: profile (region)" in the status bar; a click switches profile and region. Shown only where it
// is useful: the workspace has aws-batch.json, an AWS Batch view is on screen, or a watched run is
// still going. Any other window (the extension activates on a view or a command too) is left alone.
import * as vscode from 'vscode';
import { describeTarget, resolveAwsTarget } from '../aws/target';
import { isActive } from '../models/runs/runFormat';
import type { Services } from '../ui/services';
import { COMMANDS } from '../ui/ids';

export type StatusBarReason = 'config' | 'view' | 'run';

export interface TargetStatusBar {
  readonly item: vscode.StatusBarItem;
  /** Why the item is shown now; empty when it is hidden. */
  reasons(): StatusBarReason[];
  /** Whether the item was last shown (item.show()) rather than hidden. */
  shown(): boolean;
}

export function registerStatusBar(services: Services): TargetStatusBar {
  const item = vscode.window.createStatusBarItem('awsBatch.target', vscode.StatusBarAlignment.Left, 50);
  item.name = 'AWS Batch: account';
  item.command = COMMANDS.selectProfile;
  const reasons = (): StatusBarReason[] => {
    const why: StatusBarReason[] = [];
    if (services.configPresence.files.length) why.push('config');
    if (services.visibleViews.any) why.push('view');
    const runs = services.runs;
    if (runs.runs().some((run) => isActive(run) && runs.isWatched(run.runUri))) why.push('run');
    return why;
  };
  let shown = false;
  const showOrHide = () => {
    const wanted = reasons().length > 0;
    if (wanted === shown) return;
    shown = wanted;
    if (wanted) item.show();
    else item.hide();
  };
  const update = async () => {
    const { loadSharedProfiles } = await import('../aws/sharedProfiles');
    try {
      const target = resolveAwsTarget(services.settings.aws, process.env, await loadSharedProfiles());
      item.text = `$(cloud) AWS: ${describeTarget(target)}`;
      item.tooltip = target.endpoint
        ? `AWS Batch calls go to ${target.endpoint}. Click to switch profile or region.`
        : 'Click to switch the AWS profile or region used by AWS Batch Runner.';
      item.backgroundColor = undefined;
    } catch (error) {
      item.text = '$(warning) AWS: not configured';
      item.tooltip = `${(error as Error).message} Click to choose a profile and region.`;
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    }
    showOrHide();
  };
  void update();
  services.context.subscriptions.push(
    item,
    services.onDidChangeAwsTarget(() => void update()),
    services.configPresence.onDidChange(showOrHide),
    services.visibleViews.onDidChange(showOrHide),
    services.runWatches.onDidChange(showOrHide),
    { dispose: services.runs.onDidChange(showOrHide) },
  );
  return { item, reasons, shown: () => shown };
}
