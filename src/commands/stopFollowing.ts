// Stop Following: ends one, several or all log follows; their output channels stay.
import * as vscode from 'vscode';
import { jobRefOf, type JobArg } from './args';
import { CommandFactory, UserError } from './runCommand';

export const stopFollowing: CommandFactory<[arg?: JobArg | string]> = (services) => async (arg) => {
  const active = services.logs.active();
  const given = jobRefOf(arg);
  if (given) {
    if (!services.logs.stop(given.jobId))
      throw new UserError(`The logs of ${given.jobName ?? given.jobId} are not being followed.`);
    return;
  }
  if (!active.length) {
    vscode.window.setStatusBarMessage('No job logs are being followed.', 3000);
    return;
  }
  if (active.length === 1) {
    services.logs.stop(active[0].jobId);
    return;
  }
  const all = { label: '$(debug-stop) All of them', jobId: undefined as string | undefined };
  const picked = await vscode.window.showQuickPick(
    [
      ...active.map((job) => ({ label: job.jobName, description: job.jobId, jobId: job.jobId as string | undefined })),
      all,
    ],
    { title: 'Stop following the logs of…' },
  );
  if (!picked) return;
  for (const job of picked.jobId ? active.filter((j) => j.jobId === picked.jobId) : active)
    services.logs.stop(job.jobId);
};
