// Delete Run Data…: every object of an ended run's folder, after a modal question that names them.
import * as vscode from 'vscode';
import { canDelete } from '../models/runs/runFormat';
import type { CommandFactory } from './runCommand';
import { runFor, type RunTarget } from './pickRun';

export const deleteRunData: CommandFactory<[target?: RunTarget]> = (services) => async (target) => {
  const run = await runFor(services, target, {
    title: 'Delete Run Data',
    applies: canDelete,
    refuse: (r) => `Run ${r.runId} is ${r.state}; cancel it or let it end before deleting its data.`,
    none: 'No run has ended yet.',
  });
  if (!run) return undefined;
  const confirmed = await services.confirm(
    `Delete all data of run ${run.runId}?`,
    `Every object under ${run.runUri} is deleted from S3: run.json, progress.json, summary.json, the task outputs and results. This cannot be undone; download the results first if you need them.`,
    'Delete Run Data',
  );
  if (!confirmed) return undefined;
  const [{ deleteRunData: remove }, files] = await Promise.all([import('../submit/runActions'), services.runFiles()]);
  const deleted = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Deleting the data of ${run.runId}` },
    () => remove(files, run.runUri),
  );
  services.runs.forget(run.runUri);
  void services.runWatches.forget(run.runUri);
  const message = `Deleted ${deleted} object${deleted === 1 ? '' : 's'} of run ${run.runId} (${run.runUri}).`;
  services.output.info(message);
  void vscode.window.showInformationMessage(message);
  return deleted;
};
