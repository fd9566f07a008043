// "AWS Batch: Submit to Batch": build, push, register, write the run and submit its manager job.
import * as vscode from 'vscode';
import type { SubmittedRun } from '../submit/types';
import type { CommandFactory } from './runCommand';
import { pickFolder, withPipeline } from './submitSupport';

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
  const copy = 'Copy Job ID';
  const details = [
    result.imageResult.pushed ? 'image pushed' : 'image unchanged',
    result.definition.registered
      ? `definition revision ${result.definition.revision} registered`
      : 'definition unchanged',
  ].join(', ');
  void vscode.window
    .showInformationMessage(`Submitted ${run.jobName} (job ${run.jobId}) to ${run.queue}: ${details}.`, copy)
    .then((picked) => (picked === copy ? vscode.env.clipboard.writeText(run.jobId) : undefined));
  return run;
};
