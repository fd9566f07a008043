// One notification per watched run when it ends: what happened in a sentence (src/models/runs/
// runFormat.ts finishNotice) with the next step as buttons. Each notice is also written to the
// "AWS Batch" log and fired as an event (the extension-host tests count them there).
import * as vscode from 'vscode';
import { finishNotice, type NoticeAction, type RunNotice } from '../models/runs/runFormat';
import type { RunStatus } from '../models/runs/runStatus';
import type { Services } from '../ui/services';
import { COMMANDS } from '../ui/ids';
import type { RunsView } from './registerRunsView';

export interface ShownNotice extends RunNotice {
  runUri: string;
  runId: string;
}

export interface RunNotices {
  /** Fires once per run that ended, as its notification is shown. */
  readonly onDidNotify: vscode.Event<ShownNotice>;
}

const BUTTONS: Record<NoticeAction, string> = {
  downloadResults: 'Download Results',
  showLogs: 'Show Logs',
  showFailedTasks: 'Show Failed Tasks',
};

export function registerRunNotices(services: Services, runsView: RunsView): RunNotices {
  const notified = new vscode.EventEmitter<ShownNotice>();
  const show = {
    information: vscode.window.showInformationMessage,
    warning: vscode.window.showWarningMessage,
    error: vscode.window.showErrorMessage,
  };
  const act = async (action: NoticeAction, run: RunStatus) => {
    switch (action) {
      case 'downloadResults':
        return vscode.commands.executeCommand(COMMANDS.downloadResults, { runUri: run.runUri, runId: run.runId });
      case 'showLogs':
        return vscode.commands.executeCommand(COMMANDS.showRunLogs, { runUri: run.runUri, runId: run.runId });
      case 'showFailedTasks':
        return runsView.revealFailures(run.runUri);
    }
  };
  const unsubscribe = services.runs.onDidFinish((run) => {
    void services.runWatches.forget(run.runUri);
    const notice = finishNotice(run);
    services.output.info(notice.message);
    notified.fire({ ...notice, runUri: run.runUri, runId: run.runId });
    const buttons = notice.actions.map((action) => BUTTONS[action]);
    void show[notice.severity](notice.message, ...buttons).then((picked) => {
      const action = notice.actions.find((candidate) => BUTTONS[candidate] === picked);
      if (action)
        void Promise.resolve(act(action, run)).catch((error: unknown) => services.output.error(String(error)));
    });
  });
  services.context.subscriptions.push(notified, { dispose: unsubscribe });
  return { onDidNotify: notified.event };
}
