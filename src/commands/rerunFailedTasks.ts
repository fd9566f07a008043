// Re-run Failed Tasks: a new run of an ended task run's failed tasks, on the same queue and job
// definition, linked to its parent. The new run is watched and its log followed, as after Submit.
import { join } from 'node:path';
import * as vscode from 'vscode';
import { canRerun } from '../models/runs/runFormat';
import type { CommandFactory } from './runCommand';
import { UserError } from './runCommand';
import { runFor, type RunTarget } from './pickRun';
import { VIEWS } from '../ui/ids';
import type { RunStatus } from '../models/runs/runStatus';
import { isLocalRunUri, parseRunUri } from '../results/runUris';
import type { Services } from '../ui/services';
import { loadConfig, startLocalRun } from './runLocally';

export const rerunFailedTasks: CommandFactory<[target?: RunTarget]> = (services) => async (target) => {
  const run = await runFor(services, target, {
    title: 'Re-run Failed Tasks',
    applies: canRerun,
    refuse: (r) =>
      r.mode === 'cluster'
        ? `Run ${r.runId} is a cluster run: it has no tasks to run again. Submit it again instead.`
        : r.failures.length === 0
          ? `Run ${r.runId} has no failed tasks.`
          : `Run ${r.runId} is still ${r.state}; re-run its failed tasks once it has ended.`,
    none: 'No ended run has failed tasks.',
  });
  if (!run) return undefined;
  const spec = await services.runs.spec(run.runUri);
  if (!spec) throw new UserError(`The run.json of ${run.runId} could not be read, so its tasks are unknown.`);
  const indexes = run.failures.map((failure) => failure.index);
  if (isLocalRunUri(run.runUri)) return rerunLocally(services, run, indexes);
  if (!run.managerJobId)
    throw new UserError(`The manager job of ${run.runId} is unknown, so its queue and job definition are too.`);
  const failed = run.tasks?.failed ?? indexes.length;
  if (failed > indexes.length) {
    services.output.warn(
      `${run.runId} has ${failed} failed tasks; its files list ${indexes.length}, and only those run again.`,
    );
  }
  const [{ rerunFailedTasks: rerun }, files] = await Promise.all([import('../submit/runActions'), services.runFiles()]);
  const submitted = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Re-running the failed tasks of ${run.runId}` },
    () =>
      rerun(services.batch, files, {
        parent: { runUri: run.runUri, runId: run.runId, spec: spec.spec, managerJobId: run.managerJobId! },
        indexes,
      }),
  );
  services.output.info(
    `Re-run of ${run.runId}: run ${submitted.runId}, job ${submitted.jobId} on ${submitted.queue}, tasks ${indexes.join(', ')}`,
  );
  // Shown in the Runs view, watched and its log followed, as after Submit (Services.onDidSubmitRun).
  services.notifyRunSubmitted(submitted);
  const show = 'Show in Runs View';
  void vscode.window
    .showInformationMessage(
      `Re-running ${indexes.length} failed task${indexes.length === 1 ? '' : 's'} of ${run.runId} as ${submitted.runId}.`,
      show,
    )
    .then((picked) => (picked === show ? vscode.commands.executeCommand(`${VIEWS.runs}.focus`) : undefined));
  return submitted;
};

/** A local run's failed tasks run again locally, from the workspace its folder is in (…/.batch-runner/runs/<id>/). */
async function rerunLocally(services: Services, run: RunStatus, indexes: number[]) {
  const parsed = parseRunUri(run.runUri);
  if (parsed.scheme !== 'file') return undefined;
  const workspace = vscode.Uri.file(join(parsed.path, '..', '..', '..'));
  const loaded = await loadConfig(services, workspace);
  if (!loaded) return undefined;
  if (!loaded.config.tasks) throw new UserError(`aws-batch.json in ${workspace.fsPath} is not in task mode any more.`);
  return startLocalRun(services, loaded, { rerun: { indexes, parentRunId: run.runId } });
}
