// Actions on a job node of the Jobs view (context menu and inline icons).
import * as vscode from 'vscode';
import { jobConsoleUrl } from '../aws/console';
import { CANCELLABLE_STATUSES, TERMINABLE_STATUSES } from '../aws/jobStatus';
import type { Services } from '../services';
import type { JobNode } from '../views/jobsModel';
import { CommandFactory, UserError } from './runCommand';

const REASON = 'Requested in VS Code (AWS Batch Runner)';

function asJob(node: unknown): JobNode {
  const job = node as Partial<JobNode> | undefined;
  if (job?.kind !== 'job' || !job.jobId) throw new UserError('Run this from a job in the AWS Batch Jobs view.');
  return job as JobNode;
}

async function batchApi(services: Services) {
  const [{ batch }, api] = await Promise.all([services.aws(), import('../aws/api')]);
  return { batch, ...api };
}

export const describeJob: CommandFactory = (services) => async (node) => {
  const job = asJob(node);
  const { batch, describeJobs } = await batchApi(services);
  const [detail] = await describeJobs(batch, [job.jobId]);
  if (!detail) throw new UserError(`Job ${job.jobId} no longer exists (Batch keeps finished jobs for about 7 days).`);
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
  const { batch, cancelJob: cancel } = await batchApi(services);
  await cancel(batch, job.jobId, REASON);
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
  const { batch, terminateJob: terminate } = await batchApi(services);
  await terminate(batch, job.jobId, REASON);
  services.output.info(`Terminated job ${job.jobName} (${job.jobId})`);
  await services.jobs.refresh();
};

export const openJobInConsole: CommandFactory = (services) => async (node) => {
  const job = asJob(node);
  const { target } = await services.aws();
  await vscode.env.openExternal(vscode.Uri.parse(jobConsoleUrl(target.region, job.jobId)));
};
