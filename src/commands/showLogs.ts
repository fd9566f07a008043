// Show Logs: follows a job's log (and its workers') into an output channel named after it.
import { jobRefOf, type JobArg } from './args';
import { pickJob } from './pickJob';
import type { CommandFactory } from './runCommand';

export const showLogs: CommandFactory<[arg?: JobArg | string]> = (services) => async (arg) => {
  const job = jobRefOf(arg) ?? (await pickJob(services, 'Show Logs: which job?'));
  if (!job) return undefined;
  const followed = await services.logs.follow(job);
  return { jobId: followed.jobId, channel: followed.channel.name };
};
