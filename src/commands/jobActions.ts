// Actions on a job node of the Jobs view (context menu and inline icons).
import * as vscode from 'vscode';
import { jobConsoleUrl } from '../aws/console';
import { CANCELLABLE_STATUSES, TERMINABLE_STATUSES } from '../shared/run';
import { describeJob as describeBatchJob } from '../logs/jobLookup';
import type { JobNode } from '../models/jobsModel';
import { CommandFactory, UserError } from './runCommand';

const REASON = 'Requested in VS Code (AWS Batch Runner)';

function asJob(node: unknown): JobNode {
  const job = node as Partial<JobNode> | undefined;
  if (job?.kind !== 'job' || !job.jobId) throw new UserError('Run this from a job in the AWS Batch Jobs view.');
  return job as JobNode;
}

export const describeJob: CommandFactory = (services) => async (node) => {
  const job = asJob(node);
  const detail = await describeBatchJob(services.batch, job.jobId);
  await services.documents.show(`/jobs/${job.jobName}-${job.jobId}.json`, detail);
};

export const copyJobId: CommandFactory = () => async (node) => {
  const job = asJob(node);
  await vscode.env.clipboard.writeText(job.jobId);
  vscode.window.setStatusBarMessage(`Copied job ID ${job.jobId}`, 3000);
};

export const cancelJob: CommandFactory = (services) => async (node) => {
  const job = asJob(node);
  if (!CANCELLABLE_STATUSES.has(job.status)) {
    throw new UserError(
      `${job.jobName} is ${job.status}; only jobs that have not started can be cancelled. Use Terminate instead.`,
    );
  }
  await services.batch.cancelJob(job.jobId, REASON);
  services.output.info(`Cancelled job ${job.jobName} (${job.jobId})`);
  await services.jobs.refresh();
};

export const terminateJob: CommandFactory = (services) => async (node) => {
  const job = asJob(node);
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
};

export const openJobInConsole: CommandFactory = (services) => async (node) => {
  const job = asJob(node);
  const { target } = await services.aws();
  await vscode.env.openExternal(vscode.Uri.parse(jobConsoleUrl(target.region, job.jobId)));
};
