// Watch Run / Stop Watching Run: a watched run shows in the status bar while it runs and gets a
// notification when it ends. Submit and Re-run watch their runs; these pin or unpin any other.
import * as vscode from 'vscode';
import { isActive } from '../models/runs/runFormat';
import type { CommandFactory } from './runCommand';
import { runFor, type RunTarget } from './pickRun';

export const watchRun: CommandFactory<[target?: RunTarget]> = (services) => async (target) => {
  const run = await runFor(services, target, {
    title: 'Watch Run',
    applies: (r) => isActive(r) && !services.runs.isWatched(r.runUri),
    refuse: (r) =>
      services.runs.isWatched(r.runUri)
        ? `Run ${r.runId} is already watched.`
        : `Run ${r.runId} has already ended (${r.state}); there is nothing left to watch.`,
    none: 'No unwatched run is starting or running.',
  });
  if (!run) return undefined;
  await services.runWatches.watch(run.runUri);
  vscode.window.setStatusBarMessage(`Watching ${run.runId}: a notification says when it ends`, 4000);
  return run.runUri;
};

export const unwatchRun: CommandFactory<[target?: RunTarget]> = (services) => async (target) => {
  const run = await runFor(services, target, {
    title: 'Stop Watching Run',
    applies: (r) => services.runs.isWatched(r.runUri),
    refuse: (r) => `Run ${r.runId} is not watched.`,
    none: 'No run is watched.',
  });
  if (!run) return undefined;
  await services.runWatches.unwatch(run.runUri);
  vscode.window.setStatusBarMessage(`Stopped watching ${run.runId}`, 3000);
  return run.runUri;
};
