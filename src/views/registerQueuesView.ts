// Creates the Job Queues tree view; reports a failure once (not once per poll).
import * as vscode from 'vscode';
import { reportProblem } from '../commands/reportProblem';
import type { Services } from '../services';
import { JobQueuesProvider } from './jobQueuesProvider';
import { pollWhileVisible } from './viewPolling';

export const QUEUES_VIEW_ID = 'awsBatch.queues';

export function registerQueuesView(services: Services): JobQueuesProvider {
  const model = services.queues;
  const provider = new JobQueuesProvider(model);
  const view = vscode.window.createTreeView(QUEUES_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true });

  const showState = () => {
    // viewsWelcome entries are chosen by this context key when the tree is empty.
    void vscode.commands.executeCommand('setContext', 'awsBatch.queues.state', model.state);
    const problem = model.problem;
    const stale = problem !== undefined && (model.state === 'ready' || model.state === 'empty');
    view.message = problem ? (stale ? `Showing the last good data. ${problem.message}` : problem.message) : undefined;
    // Missing credentials already get the welcome content with its buttons; a toast would repeat it.
    if (problem && model.state !== 'noCredentials') void reportProblem(problem, services);
  };
  showState();

  const unsubscribe = model.onDidChangeState(showState);
  services.context.subscriptions.push(provider, view, { dispose: unsubscribe });
  pollWhileVisible(services, view, model);
  return provider;
}
