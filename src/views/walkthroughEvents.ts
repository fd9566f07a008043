// The walkthrough steps whose events are not a command's own: a queue in the Job Queues model, an
// aws-batch.json in a workspace folder, a submitted run, a watched run's finish notice. (A Batch call
// that worked, Set Up, a local run that succeeded and a download are marked where they happen.)
// When a Welcome or walkthrough page opens (an editor tab of no type the API knows), every step that
// happened is pulsed again: src/models/walkthroughProgress.ts says why.
import * as vscode from 'vscode';
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

  const config = () => {
    const [file] = services.configPresence.files;
    if (file) walkthrough.complete('configure', `${file} exists`);
  };
  subscriptions.push(
    services.configPresence.onDidChange(config),
    services.onDidSubmitRun((run) => {
      walkthrough.complete('submit', `run ${run.runId} submitted`);
      // A queue that took a run exists, whether or not the Job Queues view was ever opened.
      walkthrough.complete('setUp', `queue ${run.queue} took run ${run.runId}`);
    }),
    notices.onDidNotify((notice) => walkthrough.complete('watch', `run ${notice.runId} ended`)),
    vscode.window.tabGroups.onDidChangeTabs((change) => {
      if ([...change.opened, ...change.changed].some((tab) => tab.input === undefined && tab.isActive))
        void walkthrough.replay();
    }),
  );
  config();
}
