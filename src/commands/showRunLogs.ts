// Show Run Logs: follows the run's manager job, which merges its workers' logs into the same channel
// (src/logs), as Show Logs on the manager job does.
import type { CommandFactory } from './runCommand';
import { runFor, type RunTarget } from './pickRun';

export const showRunLogs: CommandFactory<[target?: RunTarget]> = (services) => async (target) => {
  const run = await runFor(services, target, {
    title: 'Show Run Logs',
    applies: (r) => r.managerJobId !== undefined,
    refuse: (r) => `The manager job of ${r.runId} is not known (yet), so there is no log to show.`,
    none: 'No run with a manager job was found.',
  });
  if (!run?.managerJobId) return undefined;
  const followed = await services.logs.follow({ jobId: run.managerJobId, jobName: run.runId });
  followed.channel.show(true);
  return { jobId: followed.jobId, channel: followed.channel.name };
};
