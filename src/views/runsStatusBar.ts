// The runs this window watches, while any of them is still going: `$(sync~spin) monte-carlo 37/100`.
// A click shows the Runs view; hidden when no watched run is active.
import * as vscode from 'vscode';
import { isActive, statusBarText, statusBarTooltip } from '../models/runs/runFormat';
import type { Services } from '../ui/services';
import { VIEWS } from '../ui/ids';

export function registerRunsStatusBar(services: Services): vscode.StatusBarItem {
  const model = services.runs;
  const item = vscode.window.createStatusBarItem('awsBatch.runs', vscode.StatusBarAlignment.Left, 49);
  item.name = 'AWS Batch: runs';
  item.command = `${VIEWS.runs}.focus`;
  const update = () => {
    const runs = model.runs().filter((run) => isActive(run) && model.isWatched(run.runUri));
    const text = statusBarText(runs);
    if (!text) {
      item.hide();
      return;
    }
    item.text = text;
    item.tooltip = statusBarTooltip(runs);
    item.show();
  };
  const unsubscribe = model.onDidChange(update);
  services.context.subscriptions.push(item, { dispose: unsubscribe }, services.runWatches.onDidChange(update));
  update();
  return item;
}
