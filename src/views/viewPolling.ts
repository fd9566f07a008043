// Shared life cycle of the AWS Batch tree views: poll only while visible, refresh on becoming
// visible, start over after an account/region switch, follow the poll-interval setting.
import * as vscode from 'vscode';
import type { Problem } from '../shared/awsProblem';
import { reportProblem } from '../ui/reportError';
import type { Services } from '../ui/services';
import { Poller } from '../models/poller';

export interface PolledModel {
  refresh(): Promise<void>;
  reset(): void;
}

export function pollWhileVisible(
  services: Services,
  view: vscode.TreeView<unknown>,
  model: PolledModel,
  /** Called after each refresh; returns the next interval (e.g. faster while jobs run). */
  nextIntervalMs: () => number = () => services.settings.pollIntervalMs,
): void {
  const poller = new Poller(async () => {
    await model.refresh();
    poller.setInterval(nextIntervalMs());
  }, nextIntervalMs());
  const followVisibility = () => (view.visible ? poller.start() : poller.stop());
  followVisibility();
  services.context.subscriptions.push(
    poller,
    services.visibleViews.track(view),
    view.onDidChangeVisibility(() => {
      followVisibility();
      if (view.visible) void model.refresh();
    }),
    services.onDidChangeAwsTarget(() => {
      model.reset();
      if (view.visible) void model.refresh();
    }),
    services.settings.onDidChange((change) => {
      if (change.has('polling')) poller.setInterval(nextIntervalMs());
    }),
  );
}

export interface ProblemModel {
  readonly problem: Problem | undefined;
  readonly loaded: boolean;
  onDidChangeProblem(listener: () => void): () => void;
}

/** Shows a model's problem above its tree and as one notification per distinct problem. */
export function showProblems(services: Services, view: vscode.TreeView<unknown>, model: ProblemModel): void {
  const unsubscribe = model.onDidChangeProblem(() => presentProblem(services, view, model.problem, model.loaded));
  services.context.subscriptions.push({ dispose: unsubscribe });
}

/**
 * A view's problem (or its end): above the tree, saying whether the tree still shows the last good
 * data, and as a notification unless `notify` is false (the welcome content already says it).
 */
export function presentProblem(
  services: Services,
  view: vscode.TreeView<unknown>,
  problem: Problem | undefined,
  hasData: boolean,
  notify = true,
): void {
  view.message = problem ? (hasData ? `Showing the last good data. ${problem.message}` : problem.message) : undefined;
  if (problem && notify) void reportProblem(services, problem);
}
