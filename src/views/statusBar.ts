// "AWS: profile (region)" in the status bar; a click switches profile and region.
import * as vscode from 'vscode';
import { describeTarget, resolveAwsTarget } from '../aws/target';
import type { Services } from '../ui/services';
import { COMMANDS } from '../ui/ids';

export function registerStatusBar(services: Services): vscode.StatusBarItem {
  const item = vscode.window.createStatusBarItem('awsBatch.target', vscode.StatusBarAlignment.Left, 50);
  item.name = 'AWS Batch: account';
  item.command = COMMANDS.selectProfile;
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
    item.show();
  };
  void update();
  services.context.subscriptions.push(
    item,
    services.onDidChangeAwsTarget(() => void update()),
  );
  return item;
}
