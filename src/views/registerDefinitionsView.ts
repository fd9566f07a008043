// Creates the Job Definitions tree view.
import * as vscode from 'vscode';
import type { Services } from '../ui/services';
import { JobDefinitionsProvider } from './jobDefinitionsProvider';
import { pollWhileVisible, showProblems } from './viewPolling';
import { CONTEXT_KEYS, VIEWS } from '../ui/ids';

export function registerDefinitionsView(services: Services): JobDefinitionsProvider {
  const model = services.definitions;
  const provider = new JobDefinitionsProvider(model);
  const view = vscode.window.createTreeView(VIEWS.definitions, { treeDataProvider: provider, showCollapseAll: true });
  showProblems(services, view, model);
  void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.definitionsShowInactive, false);
  services.context.subscriptions.push(provider, view);
  pollWhileVisible(services, view, model);
  return provider;
}
