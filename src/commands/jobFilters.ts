// Filters of the Jobs view: by status set and by name; remembered per workspace.
import * as vscode from 'vscode';
import { JOB_STATUSES } from '../shared/run';
import type { CommandFactory } from './runCommand';

export const filterJobsByStatus: CommandFactory = (services) => async () => {
  const current = services.jobs.getFilter();
  const picked = await vscode.window.showQuickPick(
    JOB_STATUSES.map((status) => ({ label: status, picked: current.statuses.includes(status) })),
    { canPickMany: true, title: 'Show jobs in these states', placeHolder: 'Pick none to show every state' },
  );
  if (!picked) return;
  const statuses = picked.length === JOB_STATUSES.length ? [] : picked.map((item) => item.label);
  services.jobs.setFilter({ ...current, statuses });
};

export const filterJobsByName: CommandFactory = (services) => async () => {
  const current = services.jobs.getFilter();
  const name = await vscode.window.showInputBox({
    title: 'Show jobs whose name contains',
    value: current.name,
    placeHolder: 'e.g. monte-carlo (empty: every name)',
  });
  if (name === undefined) return;
  services.jobs.setFilter({ ...current, name });
};

export const clearJobsFilter: CommandFactory = (services) => () => services.jobs.setFilter({ statuses: [], name: '' });
