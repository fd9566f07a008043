// Actions on a job node of the Jobs view (context menu and inline icons).
import * as vscode from 'vscode';
import { jobConsoleUrl } from '../aws/console';
import { CANCELLABLE_STATUSES, TERMINABLE_STATUSES } from '../shared/run';
import { describeJob as describeBatchJob } from '../logs/jobLookup';
import type { JobNode } from './args';
import { onNode, UserError } from './runCommand';

const REASON = 'Requested in VS Code (AWS Batch Runner)';

/** An action on a job node; from the palette it says where to run it. */
const onJob = (factory: Parameters<typeof onNode<JobNode>>[1]) =>
  onNode<JobNode>('Run this from a job in the AWS Batch Jobs view.', factory);

export const describeJob = onJob((services) => async (job) => {
  const detail = await describeBatchJob(services.batch, job.jobId);
  await services.documents.show(`/jobs/${job.jobName}-${job.jobId}.json`, detail);
});

export const copyJobId = onJob(() => async (job) => {
  await vscode.env.clipboard.writeText(job.jobId);
  vscode.window.setStatusBarMessage(`Copied job ID ${job.jobId}`, 3000);
});

export const cancelJob = onJob((services) => async (job) => {
  if (!CANCELLABLE_STATUSES.has(job.status)) {
    throw new UserError(
      `${job.jobName} is ${job.status}; only jobs that have not started can be cancelled. Use Terminate instead.`,
    );
  }
  await services.batch.cancelJob(job.jobId, REASON);
  services.output.info(`Cancelled job ${job.jobName} (${job.jobId})`);
  await services.jobs.refresh();
});

export const terminateJob = onJob((services) => async (job) => {
  if (!TERMINABLE_STATUSES.has(job.status) && !CANCELLABLE_STATUSES.has(job.status)) {
    throw new UserError(`${job.jobName} has already finished (${job.status}).`);
  }
  const answer = await vscode.window.showWarningMessage(
    `Terminate ${job.jobName}?`,
    { modal: true, detail: `The job's container is stopped now and the job ends as FAILED. Job ID ${job.jobId}.` },
    'Terminate',
  );
  if (answer !== 'Terminate') return;
  await services.batch.terminateJob(job.jobId, REASON);
  services.output.info(`Terminated job ${job.jobName} (${job.jobId})`);
  await services.jobs.refresh();
});

export const openJobInConsole = onJob((services) => async (job) => {
  const { target } = await services.aws();
  await vscode.env.openExternal(vscode.Uri.parse(jobConsoleUrl(target.region, job.jobId)));
});
