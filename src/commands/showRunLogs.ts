// Show Run Logs: follows the run's manager job, which merges its workers' logs into the same channel
// (src/logs), as Show Logs on the manager job does. A local run: its channel in this window, else the
// merged log it left in .batch-runner/logs/.
import * as vscode from 'vscode';
import { isLocalRunUri } from '../results/runUris';
import type { CommandFactory } from './runCommand';
import { UserError } from './runCommand';
import { runFor, type RunTarget } from './pickRun';

export const showRunLogs: CommandFactory<[target?: RunTarget]> = (services) => async (target) => {
  const run = await runFor(services, target, {
    title: 'Show Run Logs',
    applies: (r) => r.managerJobId !== undefined || isLocalRunUri(r.runUri),
    refuse: (r) => `The manager job of ${r.runId} is not known (yet), so there is no log to show.`,
    none: 'No run with a manager job was found.',
  });
  if (run && isLocalRunUri(run.runUri)) {
    const channel = services.localRuns.channel(run.runUri);
    if (channel) {
      channel.show(true);
      return { channel: channel.name };
    }
    const file = services.localRuns.logFile(run.runUri, run.runId);
    if (!file) throw new UserError(`The log of local run ${run.runId} is not on this machine any more.`);
    await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
    return { file };
  }
  if (!run?.managerJobId) return undefined;
  const followed = await services.logs.follow({ jobId: run.managerJobId, jobName: run.runId });
  followed.channel.show(true);
  return { jobId: followed.jobId, channel: followed.channel.name };
};
