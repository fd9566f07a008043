// The walkthrough steps whose events are not a command's own: a queue in the Job Queues model, an
// aws-batch.json in a workspace folder, a submitted run, a watched run's finish notice. (A Batch call
// that worked, Set Up, a local run that succeeded and a download are marked where they happen.)
import * as vscode from 'vscode';
import { CONFIG_FILE } from '../config/fileName';
import type { Services } from '../ui/services';
import type { RunNotices } from './runNotices';

export function registerWalkthroughEvents(services: Services, notices: RunNotices): void {
  const { walkthrough } = services;
  const subscriptions = services.context.subscriptions;

  const queues = () => {
    if (services.queues.roots().length)
      walkthrough.complete('setUp', `queue ${services.queues.roots()[0].name} exists`);
  };
  subscriptions.push(
    { dispose: services.queues.onDidChangeState(queues) },
    { dispose: services.queues.onDidChange(queues) },
  );

  const lookForConfig = async () => {
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const file = vscode.Uri.joinPath(folder.uri, CONFIG_FILE);
      const found = await vscode.workspace.fs.stat(file).then(
        () => true,
        () => false,
      );
      if (found) walkthrough.complete('configure', `${file.fsPath} exists`);
    }
  };
  // Only the file at a folder's root is a run configuration (as Submit reads it).
  const watcher = vscode.workspace.createFileSystemWatcher(`**/${CONFIG_FILE}`);
  subscriptions.push(
    watcher,
    watcher.onDidCreate(() => void lookForConfig()),
    watcher.onDidChange(() => void lookForConfig()),
    vscode.workspace.onDidChangeWorkspaceFolders(() => void lookForConfig()),
    services.onDidSubmitRun((run) => walkthrough.complete('submit', `run ${run.runId} submitted`)),
    notices.onDidNotify((notice) => walkthrough.complete('watch', `run ${notice.runId} ended`)),
  );
  void lookForConfig();
}
