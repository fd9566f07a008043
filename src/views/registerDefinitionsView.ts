// Creates the Job Definitions tree view.
import * as vscode from 'vscode';
import type { Services } from '../ui/services';
import { JobDefinitionsProvider } from './jobDefinitionsProvider';
import { pollWhileVisible, showProblems } from './viewPolling';

export const DEFINITIONS_VIEW_ID = 'awsBatch.definitions';

export function registerDefinitionsView(services: Services): JobDefinitionsProvider {
  const model = services.definitions;
  const provider = new JobDefinitionsProvider(model);
  const view = vscode.window.createTreeView(DEFINITIONS_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true });
  showProblems(services, view, model);
  void vscode.commands.executeCommand('setContext', 'awsBatch.definitions.showInactive', false);
  services.context.subscriptions.push(provider, view);
  pollWhileVisible(services, view, model);
  return provider;
}
