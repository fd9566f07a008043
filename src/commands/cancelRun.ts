// Cancel Run: asks first (modal), then stops the run's manager and worker jobs under a progress
// notification, and says how many jobs it stopped or which are still alive.
import * as vscode from 'vscode';
import { canCancel } from '../models/runs/runFormat';
import { isLocalRunUri } from '../results/runUris';
import type { CommandFactory } from './runCommand';
import { runFor, type RunTarget } from './pickRun';

export const cancelRun: CommandFactory<[target?: RunTarget]> = (services) => async (target) => {
  const run = await runFor(services, target, {
    title: 'Cancel Run',
    applies: canCancel,
    refuse: (r) => `Run ${r.runId} is ${r.state}; only a starting or running run can be cancelled.`,
    none: 'No run is starting or running.',
  });
  if (!run) return undefined;
  const confirmed = await services.confirm(
    `Cancel run ${run.runId}?`,
    `Its manager job and every worker job are stopped now, tasks still running are lost, and the run ends as cancelled. What it wrote so far stays in ${run.runUri}.`,
    'Cancel Run',
  );
  if (!confirmed) return undefined;
  if (isLocalRunUri(run.runUri)) {
    // A local run: its containers, stopped with SIGTERM first (the manager writes a cancelled summary).
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Cancelling ${run.runId}: stopping its containers` },
      () => services.localRuns.cancel(run.runUri, run.runId),
    );
    services.runs.invalidate(run.runUri);
    await services.runs.refresh();
    const message = `Cancelled ${run.runId}: its containers and network are stopped and removed.`;
    services.output.info(message);
    void vscode.window.showInformationMessage(message);
    return { stopped: 0, stillAlive: [], wroteSummary: false };
  }
  const [{ cancelRun: cancel }, files] = await Promise.all([import('../submit/runActions'), services.runFiles()]);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Cancelling ${run.runId}` },
    (progress) =>
      cancel(
        services.batch,
        files,
        {
          runUri: run.runUri,
          runId: run.runId,
          name: run.name,
          managerJobId: run.managerJobId,
          workerJobId: run.workerJobId,
        },
        { progress: (message) => progress.report({ message }) },
      ),
  );
  services.runs.invalidate(run.runUri);
  await services.runs.refresh();
  const stopped = `${result.stopped} job${result.stopped === 1 ? '' : 's'} stopped`;
  if (result.stillAlive.length) {
    const message = `Cancelled ${run.runId}: ${stopped}, but ${result.stillAlive.join(', ')} ${result.stillAlive.length === 1 ? 'has' : 'have'} not ended yet.`;
    services.output.warn(message);
    void vscode.window.showWarningMessage(message);
  } else {
    const message = `Cancelled ${run.runId}: ${stopped}.`;
    services.output.info(message);
    void vscode.window.showInformationMessage(message);
  }
  return result;
};
