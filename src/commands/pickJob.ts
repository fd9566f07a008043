// The job a log or results command works on: the Jobs view passes its node (a JobNode), the Submit
// command and the tests a JobRef, a caller may give a job id string; from the palette the user picks
// one of the recent jobs or types a job ID. The argument types are in ./args.
import type { JobSummary } from '@aws-sdk/client-batch';
import * as vscode from 'vscode';
import { isArrayChild } from '../shared/run';
import type { Services } from '../ui/services';
import type { JobRef } from './args';

/** How far back the pickers look. */
const RECENT_DAYS = 14;
const MAX_PICKS = 60;
const JOB_ID = /^[\w-]{1,128}(:\d+)?(#\d+)?$/;

/**
 * The job of an argument not typed yet (Show Logs, Open Full Log, Stop Following): checks the shape at
 * run time. Typed commands use jobRefOf (./args) on a JobArg | string instead.
 */
/** Jobs created in the last days on every queue, newest first (array children left out). */
export async function recentJobs(services: Services): Promise<JobSummary[]> {
  const queues = await services.batch.describeJobQueues();
  const since = Date.now() - RECENT_DAYS * 86_400_000;
  const pages = await Promise.all(
    queues.map((queue) =>
      services.batch
        .listJobs({ jobQueue: queue.jobQueueArn ?? queue.jobQueueName ?? '', createdAfter: since }, { maxPages: 1 })
        .catch(() => [] as JobSummary[]),
    ),
  );
  return pages
    .flat()
    .filter((job) => job.jobId && !isArrayChild(job) && (job.createdAt ?? 0) >= since)
    .sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
}

export async function pickJob(services: Services, title: string): Promise<JobRef | undefined> {
  const enter: vscode.QuickPickItem = { label: '$(edit) Enter a job ID…', alwaysShow: true };
  const pick = vscode.window.createQuickPick<vscode.QuickPickItem & { job?: JobRef }>();
  pick.title = title;
  pick.placeholder = 'Loading recent jobs…';
  pick.busy = true;
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  pick.items = [enter];
  pick.show();
  void recentJobs(services).then(
    (jobs) => {
      pick.items = [
        ...jobs.slice(0, MAX_PICKS).map((job) => ({
          label: job.jobName ?? job.jobId!,
          description: job.status,
          detail: `${job.jobId} · ${job.createdAt ? new Date(job.createdAt).toLocaleString() : ''}`,
          job: { jobId: job.jobId!, jobName: job.jobName },
        })),
        enter,
      ];
      pick.placeholder = jobs.length ? 'Choose a job' : `No jobs in the last ${RECENT_DAYS} days; enter a job ID`;
      pick.busy = false;
    },
    (error: unknown) => {
      pick.placeholder = `Could not list jobs (${services.explain(error, 'batch:ListJobs').message}); enter a job ID`;
      pick.busy = false;
    },
  );
  const chosen = await new Promise<(vscode.QuickPickItem & { job?: JobRef }) | undefined>((resolve) => {
    pick.onDidAccept(() => resolve(pick.selectedItems[0]));
    pick.onDidHide(() => resolve(undefined));
  });
  pick.dispose();
  if (!chosen) return undefined;
  if (chosen.job) return chosen.job;
  const typed = await vscode.window.showInputBox({
    title,
    prompt: 'AWS Batch job ID',
    placeHolder: 'e.g. 4f1d2c3b-5a6e-4b7c-8d9e-0f1a2b3c4d5e',
    validateInput: (value) => (JOB_ID.test(value.trim()) ? undefined : 'A job ID looks like 4f1d2c3b-…'),
  });
  return typed ? { jobId: typed.trim() } : undefined;
}
