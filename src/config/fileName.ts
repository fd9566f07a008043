// The run configuration's file name, on its own so that commands can name it without loading the parser.
export const CONFIG_FILE = 'aws-batch.json';

/** Run Locally's runs, in the workspace: `<folder>/.batch-runner/runs/<runId>/` (git-ignored). */
export const LOCAL_RUNS_FOLDER = '.batch-runner/runs';
