// Every command the extension registers. scripts/check-commands.mjs compares this table with
// package.json, so a contributed command without a handler (or the reverse) fails the build.
import { buildAndPushImage } from './buildAndPushImage';
import { cancelRun } from './cancelRun';
import { copyRunUri } from './copyRunUri';
import { copyArn } from './copyArn';
import { createRunConfiguration } from './createRunConfiguration';
import { deleteRunData } from './deleteRunData';
import { downloadResults } from './downloadResults';
import {
  deregisterDefinition,
  describeDefinition,
  hideInactiveDefinitions,
  showInactiveDefinitions,
  submitFromDefinition,
} from './definitionActions';
import { cancelJob, copyJobId, describeJob, openJobInConsole, terminateJob } from './jobActions';
import { clearJobsFilter, filterJobsByName, filterJobsByStatus } from './jobFilters';
import { loadOlderLogEvents } from './loadOlderLogEvents';
import { openFullLog } from './openFullLog';
import { openQueuesInConsole } from './openQueuesInConsole';
import { openRunJson, openSummaryJson } from './openRunFiles';
import { openRunInS3Console } from './openRunInS3Console';
import { openSettings } from './openSettings';
import { refreshQueues } from './refreshQueues';
import { registerJobDefinition } from './registerJobDefinition';
import { rerunFailedTasks } from './rerunFailedTasks';
import { selectProfile } from './selectProfile';
import { showLogs } from './showLogs';
import { showRunLogs } from './showRunLogs';
import { stopFollowing } from './stopFollowing';
import { submitToBatch } from './submitToBatch';
import { runLocally } from './runLocally';
import { unwatchRun, watchRun } from './watchRun';
import { COMMANDS, type CommandId } from '../ui/ids';
import type { CommandFactory } from './runCommand';

/**
 * Each command's factory; its declared parameters (CommandFactory<[...]>) say what the command takes.
 * `never[]` only lets every such tuple into one table.
 */
export const commands: { readonly [K in CommandId]: CommandFactory<never[]> } = {
  [COMMANDS.refreshQueues]: refreshQueues,
  [COMMANDS.selectProfile]: selectProfile,
  [COMMANDS.openSettings]: openSettings,
  [COMMANDS.openQueuesInConsole]: openQueuesInConsole,
  [COMMANDS.showOutput]: (services) => () => services.output.show(),
  [COMMANDS.copyArn]: copyArn,
  [COMMANDS.refreshJobs]: (services) => () => services.jobs.refresh(true),
  [COMMANDS.filterJobsByStatus]: filterJobsByStatus,
  [COMMANDS.filterJobsByName]: filterJobsByName,
  [COMMANDS.clearJobsFilter]: clearJobsFilter,
  [COMMANDS.describeJob]: describeJob,
  [COMMANDS.copyJobId]: copyJobId,
  [COMMANDS.cancelJob]: cancelJob,
  [COMMANDS.terminateJob]: terminateJob,
  [COMMANDS.openJobInConsole]: openJobInConsole,
  [COMMANDS.refreshDefinitions]: (services) => () => services.definitions.refresh(),
  [COMMANDS.describeDefinition]: describeDefinition,
  [COMMANDS.deregisterDefinition]: deregisterDefinition,
  [COMMANDS.submitFromDefinition]: submitFromDefinition,
  [COMMANDS.showInactiveDefinitions]: showInactiveDefinitions,
  [COMMANDS.hideInactiveDefinitions]: hideInactiveDefinitions,
  [COMMANDS.submit]: submitToBatch,
  [COMMANDS.runLocally]: runLocally,
  [COMMANDS.buildAndPushImage]: buildAndPushImage,
  [COMMANDS.registerJobDefinition]: registerJobDefinition,
  [COMMANDS.createRunConfiguration]: createRunConfiguration,
  [COMMANDS.showBuildOutput]: (services) => () => services.buildOutput().show(true),
  [COMMANDS.showLogs]: showLogs,
  [COMMANDS.stopFollowing]: stopFollowing,
  [COMMANDS.openFullLog]: openFullLog,
  [COMMANDS.loadOlderLogEvents]: loadOlderLogEvents,
  [COMMANDS.downloadResults]: downloadResults,
  [COMMANDS.refreshRuns]: (services) => () => services.runs.refresh(true),
  [COMMANDS.showMoreRuns]: (services) => () => services.runs.showMore(),
  [COMMANDS.cancelRun]: cancelRun,
  [COMMANDS.rerunFailedTasks]: rerunFailedTasks,
  [COMMANDS.showRunLogs]: showRunLogs,
  [COMMANDS.openRunJson]: openRunJson,
  [COMMANDS.openSummaryJson]: openSummaryJson,
  [COMMANDS.copyRunUri]: copyRunUri,
  [COMMANDS.openRunInS3Console]: openRunInS3Console,
  [COMMANDS.deleteRunData]: deleteRunData,
  [COMMANDS.watchRun]: watchRun,
  [COMMANDS.unwatchRun]: unwatchRun,
};
