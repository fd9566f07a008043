// Every id the extension shares with package.json: commands, views and context keys, named once.
// scripts/check-commands.mjs reads COMMANDS and VIEWS from this file and fails the build when
// package.json and the code disagree.

export const COMMANDS = {
  refreshQueues: 'awsBatch.refreshQueues',
  selectProfile: 'awsBatch.selectProfile',
  openSettings: 'awsBatch.openSettings',
  openQueuesInConsole: 'awsBatch.openQueuesInConsole',
  showOutput: 'awsBatch.showOutput',
  copyArn: 'awsBatch.copyArn',
  refreshJobs: 'awsBatch.refreshJobs',
  filterJobsByStatus: 'awsBatch.jobs.filterStatus',
  filterJobsByName: 'awsBatch.jobs.filterName',
  clearJobsFilter: 'awsBatch.jobs.clearFilter',
  describeJob: 'awsBatch.job.describe',
  copyJobId: 'awsBatch.job.copyId',
  cancelJob: 'awsBatch.job.cancel',
  terminateJob: 'awsBatch.job.terminate',
  openJobInConsole: 'awsBatch.job.openInConsole',
  refreshDefinitions: 'awsBatch.refreshDefinitions',
  describeDefinition: 'awsBatch.definitions.describe',
  deregisterDefinition: 'awsBatch.definitions.deregister',
  submitFromDefinition: 'awsBatch.definitions.submitJob',
  showInactiveDefinitions: 'awsBatch.definitions.showInactive',
  hideInactiveDefinitions: 'awsBatch.definitions.hideInactive',
  submit: 'awsBatch.submit',
  runLocally: 'awsBatch.runLocally',
  buildAndPushImage: 'awsBatch.buildAndPushImage',
  registerJobDefinition: 'awsBatch.registerJobDefinition',
  createRunConfiguration: 'awsBatch.createRunConfiguration',
  showBuildOutput: 'awsBatch.showBuildOutput',
  showLogs: 'awsBatch.showLogs',
  stopFollowing: 'awsBatch.stopFollowing',
  openFullLog: 'awsBatch.openFullLog',
  loadOlderLogEvents: 'awsBatch.loadOlderLogEvents',
  downloadResults: 'awsBatch.downloadResults',
  refreshRuns: 'awsBatch.refreshRuns',
  showMoreRuns: 'awsBatch.showMoreRuns',
  cancelRun: 'awsBatch.run.cancel',
  rerunFailedTasks: 'awsBatch.run.rerunFailed',
  showRunLogs: 'awsBatch.run.showLogs',
  openRunJson: 'awsBatch.run.openRunJson',
  openSummaryJson: 'awsBatch.run.openSummaryJson',
  copyRunUri: 'awsBatch.run.copyUri',
  openRunInS3Console: 'awsBatch.run.openInS3Console',
  deleteRunData: 'awsBatch.run.deleteData',
  watchRun: 'awsBatch.run.watch',
  unwatchRun: 'awsBatch.run.unwatch',
  setUpBatch: 'awsBatch.setUpBatch',
  tearDownBatch: 'awsBatch.tearDownBatch',
  copyIamPolicy: 'awsBatch.copyIamPolicy',
} as const;

export type CommandName = keyof typeof COMMANDS;
export type CommandId = (typeof COMMANDS)[CommandName];

export const VIEWS = {
  runs: 'awsBatch.runs',
  queues: 'awsBatch.queues',
  jobs: 'awsBatch.jobs',
  definitions: 'awsBatch.definitions',
} as const;

/** Context keys the `when` clauses of package.json read. */
export const CONTEXT_KEYS = {
  /** loading | ready | empty | noCredentials | error: picks the Job Queues view's welcome content. */
  queuesState: 'awsBatch.queues.state',
  jobsFiltered: 'awsBatch.jobs.filtered',
  definitionsShowInactive: 'awsBatch.definitions.showInactive',
  /** loading | ready | empty | noLocations | error: picks the Runs view's welcome content. */
  runsState: 'awsBatch.runs.state',
  /** True while a job's log is followed: shows Stop Following Logs. */
  following: 'awsBatch.following',
} as const;

/**
 * The walkthrough's steps, each done when the product sets its key (package.json completionEvents:
 * `onContext:<key>`; scripts/check-commands.mjs and a unit test keep the two in step).
 */
export const WALKTHROUGH_KEYS = {
  /** A Batch call with the chosen credentials worked. */
  credentials: 'awsBatch.walkthrough.credentialsWork',
  /** A job queue exists in the account and region (listed, or a run was submitted to it), or Set Up finished. */
  setUp: 'awsBatch.walkthrough.queueExists',
  /** A workspace folder has aws-batch.json. */
  configure: 'awsBatch.walkthrough.configExists',
  /** A local run succeeded. */
  runLocally: 'awsBatch.walkthrough.localRunSucceeded',
  /** A run was submitted to Batch. */
  submit: 'awsBatch.walkthrough.runSubmitted',
  /** A watched run ended (its finish notice was shown). */
  watch: 'awsBatch.walkthrough.runWatchedToEnd',
  /** Download Results brought a run's files to disk. */
  download: 'awsBatch.walkthrough.resultsDownloaded',
} as const;
