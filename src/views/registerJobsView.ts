// Creates the Jobs tree view: polls faster while shown jobs can still change, remembers the filter
// per workspace and shows it in the view's title, reports a failure once and keeps the last tree.
import * as vscode from 'vscode';
import type { Services } from '../ui/services';
import type { JobsFilter, JobsViewNode } from '../models/jobsModel';
import { JobsProvider } from './jobsProvider';
import { pollWhileVisible, showProblems } from './viewPolling';
import { CONTEXT_KEYS, VIEWS } from '../ui/ids';

const FILTER_KEY = 'awsBatch.jobs.filter';
/** How often a view with waiting or running jobs refreshes. */
export const ACTIVE_POLL_MS = 2000;

export function describeFilter(filter: JobsFilter): string | undefined {
  const parts: string[] = [];
  if (filter.statuses.length) parts.push(filter.statuses.join(', '));
  if (filter.name) parts.push(`name contains "${filter.name}"`);
  return parts.length ? `Filtered: ${parts.join(' · ')}` : undefined;
}

export interface JobsView {
  readonly provider: JobsProvider;
  /** The tree view; its `description` shows the filter. */
  readonly view: vscode.TreeView<JobsViewNode>;
}

export function registerJobsView(services: Services): JobsView {
  const model = services.jobs;
  const provider = new JobsProvider(model);
  const view = vscode.window.createTreeView(VIEWS.jobs, { treeDataProvider: provider, showCollapseAll: true });

  const showFilter = (filter: JobsFilter) => {
    view.description = describeFilter(filter);
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.jobsFiltered, view.description !== undefined);
  };
  const unsubscribeFilter = model.onDidChangeFilter((filter) => {
    showFilter(filter);
    void services.context.workspaceState.update(FILTER_KEY, filter);
  });
  const saved = services.context.workspaceState.get<JobsFilter>(FILTER_KEY);
  if (saved) model.setFilter(saved);
  showFilter(model.getFilter());

  showProblems(services, view, model);
  services.context.subscriptions.push(
    provider,
    view,
    { dispose: unsubscribeFilter },
    view.onDidCollapseElement((event) => model.collapse(event.element)),
  );
  // "Show in Jobs View" after Submit: focus the view, expand the job's queue and status group, select it.
  services.revealJob = async (queue, jobId) => {
    await vscode.commands.executeCommand(`${VIEWS.jobs}.focus`);
    const found = await model.locate(queue, jobId);
    if (!found) return false;
    await view.reveal(found.job, { select: true, focus: true, expand: false });
    return true;
  };
  pollWhileVisible(services, view, model, () =>
    model.hasActiveJobs() ? ACTIVE_POLL_MS : services.settings.pollIntervalMs,
  );
  return { provider, view };
}
