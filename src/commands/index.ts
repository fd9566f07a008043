// Every command the extension registers. scripts/check-commands.mjs compares this table with
// package.json, so a contributed command without a handler (or the reverse) fails the build.
import { buildAndPushImage } from './buildAndPushImage';
import { copyArn } from './copyArn';
import { createRunConfiguration } from './createRunConfiguration';
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
import { openSettings } from './openSettings';
import { refreshQueues } from './refreshQueues';
import { registerJobDefinition } from './registerJobDefinition';
import type { CommandFactory } from './runCommand';
import { selectProfile } from './selectProfile';
import { showLogs } from './showLogs';
import { stopFollowing } from './stopFollowing';
import { submitToBatch } from './submitToBatch';

export const commands: Record<string, CommandFactory> = {
  'awsBatch.refreshQueues': refreshQueues,
  'awsBatch.selectProfile': selectProfile,
  'awsBatch.openSettings': openSettings,
  'awsBatch.openQueuesInConsole': openQueuesInConsole,
  'awsBatch.showOutput': (services) => () => services.output.show(),
  'awsBatch.copyArn': copyArn,
  'awsBatch.refreshJobs': (services) => () => services.jobs.refresh(true),
  'awsBatch.jobs.filterStatus': filterJobsByStatus,
  'awsBatch.jobs.filterName': filterJobsByName,
  'awsBatch.jobs.clearFilter': clearJobsFilter,
  'awsBatch.job.describe': describeJob,
  'awsBatch.job.copyId': copyJobId,
  'awsBatch.job.cancel': cancelJob,
  'awsBatch.job.terminate': terminateJob,
  'awsBatch.job.openInConsole': openJobInConsole,
  'awsBatch.refreshDefinitions': (services) => () => services.definitions.refresh(),
  'awsBatch.definitions.describe': describeDefinition,
  'awsBatch.definitions.deregister': deregisterDefinition,
  'awsBatch.definitions.submitJob': submitFromDefinition,
  'awsBatch.definitions.showInactive': showInactiveDefinitions,
  'awsBatch.definitions.hideInactive': hideInactiveDefinitions,
  'awsBatch.submit': submitToBatch,
  'awsBatch.buildAndPushImage': buildAndPushImage,
  'awsBatch.registerJobDefinition': registerJobDefinition,
  'awsBatch.createRunConfiguration': createRunConfiguration,
  'awsBatch.showBuildOutput': (services) => () => services.buildOutput().show(true),
  'awsBatch.showLogs': showLogs,
  'awsBatch.stopFollowing': stopFollowing,
  'awsBatch.openFullLog': openFullLog,
  'awsBatch.loadOlderLogEvents': loadOlderLogEvents,
  'awsBatch.downloadResults': downloadResults,
};
