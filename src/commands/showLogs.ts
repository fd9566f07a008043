// Show Logs: follows a job's log (and its workers') into an output channel named after it.
import { jobArgument, pickJob } from './pickJob';
import type { CommandFactory } from './runCommand';

export const showLogs: CommandFactory = (services) => async (arg?: unknown) => {
  const job = jobArgument(arg) ?? (await pickJob(services, 'Show Logs: which job?'));
  if (!job) return undefined;
  const followed = await services.logs.follow(job);
  return { jobId: followed.jobId, channel: followed.channel.name };
};
