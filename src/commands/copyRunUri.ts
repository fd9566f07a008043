// Copy Run URI: s3://bucket/prefix/<runId>/ on the clipboard.
import * as vscode from 'vscode';
import type { CommandFactory } from './runCommand';
import { runFor, type RunTarget } from './pickRun';

export const copyRunUri: CommandFactory<[target?: RunTarget]> = (services) => async (target) => {
  const run = await runFor(services, target, {
    title: 'Copy Run URI',
    applies: () => true,
    refuse: () => '',
    none: 'No runs found.',
  });
  if (!run) return undefined;
  await vscode.env.clipboard.writeText(run.runUri);
  vscode.window.setStatusBarMessage(`Copied ${run.runUri}`, 3000);
  return run.runUri;
};
