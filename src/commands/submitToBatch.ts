// "AWS Batch: Submit to Batch": build, push, register, write the run and submit its manager job.
import * as vscode from 'vscode';
import type { SubmittedRun } from '../submit/types';
import type { CommandFactory } from './runCommand';
import { pickFolder, withPipeline } from './submitSupport';
import { VIEWS } from '../ui/ids';

export const submitToBatch: CommandFactory = (services) => async (resource?: unknown) => {
  const folder = await pickFolder(resource);
  if (!folder) return undefined;
  const result = await withPipeline(services, {
    title: 'Submit to Batch',
    folder,
    body: (pipeline, loaded) => pipeline.submit(loaded),
  });
  if (!result) return undefined;
  const run: SubmittedRun = {
    runId: result.runId,
    jobId: result.jobId,
    jobName: result.jobName,
    queue: result.queue,
    runUri: result.runUri,
    jobDefinitionArn: result.jobDefinitionArn,
    image: result.image,
  };
  services.output.info(`Submitted run ${run.runId}: job ${run.jobId} on ${run.queue}, files in ${run.runUri}`);
  services.notifyRunSubmitted(run);
  // The Jobs (and Job Definitions) views would show the new job on their next refresh; do it now.
  void services.jobs.refresh();
  if (result.definition.registered) void services.definitions.refresh();
  const copy = 'Copy Job ID';
  const show = 'Show in Jobs View';
  const details = [
    result.imageResult.pushed ? 'image pushed' : 'image unchanged',
    result.definition.registered
      ? `definition revision ${result.definition.revision} registered`
      : 'definition unchanged',
  ].join(', ');
  void vscode.window
    .showInformationMessage(`Submitted ${run.jobName} (job ${run.jobId}) to ${run.queue}: ${details}.`, copy, show)
    .then((picked) => {
      if (picked === copy) return vscode.env.clipboard.writeText(run.jobId);
      if (picked === show)
        return services.revealJob(run.queue, run.jobId).then((shown) => {
          if (!shown) void vscode.commands.executeCommand(`${VIEWS.jobs}.focus`);
        });
      return undefined;
    });
  return run;
};
