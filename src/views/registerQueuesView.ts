// Creates the Job Queues tree view; reports a failure once (not once per poll).
import * as vscode from 'vscode';
import type { Services } from '../ui/services';
import { JobQueuesProvider } from './jobQueuesProvider';
import { pollWhileVisible, presentProblem } from './viewPolling';
import { CONTEXT_KEYS, VIEWS } from '../ui/ids';

export function registerQueuesView(services: Services): JobQueuesProvider {
  const model = services.queues;
  const provider = new JobQueuesProvider(model);
  const view = vscode.window.createTreeView(VIEWS.queues, { treeDataProvider: provider, showCollapseAll: true });

  const showState = () => {
    // viewsWelcome entries are chosen by this context key when the tree is empty.
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.queuesState, model.state);
    const hasData = model.state === 'ready' || model.state === 'empty';
    // Missing credentials already get the welcome content with its buttons; a toast would repeat it.
    presentProblem(services, view, model.problem, hasData, model.state !== 'noCredentials');
  };
  showState();

  const unsubscribe = model.onDidChangeState(showState);
  services.context.subscriptions.push(provider, view, { dispose: unsubscribe });
  pollWhileVisible(services, view, model);
  return provider;
}
