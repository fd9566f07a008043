// Creates the Runs view: polls every 2 s while a run is active and the view is visible (else at the
// polling setting), keeps polling watched active runs at the slower pace while it is hidden (so the
// status bar moves and the finish notice comes), picks the welcome content, reloads when the
// results locations change, and reveals a run's failed tasks on request.
import * as vscode from 'vscode';
import { CONFIG_FILE } from '../config/fileName';
import { Poller } from '../models/poller';
import { isActive } from '../models/runs/runFormat';
import type { RunFailuresNode, RunNode, RunsViewNode } from '../models/runs/runNodes';
import type { Services } from '../ui/services';
import { CONTEXT_KEYS, VIEWS } from '../ui/ids';
import { ACTIVE_POLL_MS } from './registerJobsView';
import { RunsProvider } from './runsProvider';
import { pollWhileVisible, showProblems } from './viewPolling';

export interface RunsView {
  readonly provider: RunsProvider;
  readonly view: vscode.TreeView<RunsViewNode>;
  /** Shows the run's failed tasks, expanded and selected; false when the run lists none. */
  revealFailures(runUri: string): Promise<boolean>;
}

export function registerRunsView(services: Services): RunsView {
  const model = services.runs;
  const provider = new RunsProvider(model);
  const view = vscode.window.createTreeView(VIEWS.runs, { treeDataProvider: provider, showCollapseAll: true });
  showProblems(services, view, model);
  pollWhileVisible(services, view, model, () =>
    model.hasActive() ? ACTIVE_POLL_MS : services.settings.pollIntervalMs,
  );

  // Hidden view: only watched runs that are still going keep the model polling.
  const background = new Poller(() => model.refresh(), services.settings.pollIntervalMs);
  const watchedActive = () => model.runs().some((run) => isActive(run) && model.isWatched(run.runUri));
  const followWatched = () => (!view.visible && watchedActive() ? background.start() : background.stop());

  let state: string | undefined;
  const showState = async () => {
    let next = !model.loaded ? 'loading' : model.roots().length ? 'ready' : model.problem ? 'error' : 'empty';
    if (next === 'empty' && !(await services.runLocations()).some((uri) => uri.startsWith('s3://')))
      next = 'noLocations';
    if (next === state) return;
    state = next;
    await vscode.commands.executeCommand('setContext', CONTEXT_KEYS.runsState, next);
  };
  void showState();
  const reload = () => {
    if (view.visible) void model.refresh();
    else void showState();
  };

  const unsubscribe = [
    model.onDidChange(() => {
      followWatched();
      void showState();
    }),
    model.onDidChangeProblem(() => void showState()),
  ];
  services.context.subscriptions.push(
    provider,
    view,
    background,
    { dispose: () => unsubscribe.forEach((off) => off()) },
    view.onDidCollapseElement((event) => model.collapse(event.element)),
    view.onDidChangeVisibility(followWatched),
    services.runWatches.onDidChange((runUri) => {
      const node = model.roots().find((run): run is RunNode => run.kind === 'run' && run.runUri === runUri);
      if (node) provider.refreshRow(node);
      followWatched();
    }),
    services.settings.onDidChange((change) => {
      if (change.has('runs')) reload();
      if (change.has('polling')) background.setInterval(services.settings.pollIntervalMs);
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(reload),
    vscode.workspace.onDidSaveTextDocument((document) => {
      if (document.uri.path.endsWith(`/${CONFIG_FILE}`)) reload();
    }),
  );
  // A run watched in an earlier session may still be going: load once so its notice can come.
  if (services.runWatches.any && !view.visible) void model.refresh(true);

  const revealFailures = async (runUri: string): Promise<boolean> => {
    if (!model.get(runUri)) await model.refresh();
    const run = model.roots().find((node): node is RunNode => node.kind === 'run' && node.runUri === runUri);
    if (!run) return false;
    const failures = model.children(run).find((node): node is RunFailuresNode => node.kind === 'runFailures');
    if (!failures) return false;
    await vscode.commands.executeCommand(`${VIEWS.runs}.focus`);
    await view.reveal(run, { expand: true });
    await view.reveal(failures, { expand: true, select: true, focus: true });
    return true;
  };
  return { provider, view, revealFailures };
}
