// "AWS Batch: Run Locally": the image Submit would push, run on this machine's Docker engine as a
// manager container and N worker containers (src/submit/localRun.ts). The build goes to "AWS Batch:
// Build"; the run's merged log to its own channel and to .batch-runner/logs/<runId>.log; the run shows
// in the Runs view at once, watched, so its end brings the finish notice. No AWS call.
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { LoadedConfig } from '../config/loadConfig';
import type { LocalRun, LocalLogSource } from '../submit/localRun';
import { localWorkerCount, taskCount, type LocalRunChoices } from '../submit/localWorkers';
import { localLogFile } from '../ui/localRuns';
import { reportError } from '../ui/reportError';
import type { Services } from '../ui/services';
import type { CommandFactory } from './runCommand';
import { pickFolder } from './submitSupport';

export const runLocally: CommandFactory<[resource?: unknown]> = (services) => async (resource) => {
  const folder = await pickFolder(resource);
  if (!folder) return undefined;
  const loaded = await loadConfig(services, folder.uri);
  if (!loaded) return undefined;
  const choices = await askChoices(loaded);
  if (!choices) return undefined;
  return startLocalRun(services, loaded, choices);
};

export async function loadConfig(services: Services, folder: vscode.Uri): Promise<LoadedConfig | undefined> {
  // The parser loads on first use, not at activation.
  const { loadRunConfig } = await import('../config/loadConfig');
  try {
    return await loadRunConfig(folder.fsPath);
  } catch (error) {
    void reportError(services, error, { action: 'Run Locally', folder });
    return undefined;
  }
}

interface ChoiceItem extends vscode.QuickPickItem {
  choice: LocalRunChoices | 'ask';
}

/** All tasks with the default workers (first, so Enter takes it), a smoke run, or a worker count of one's own. */
async function askChoices(loaded: LoadedConfig): Promise<LocalRunChoices | undefined> {
  const { config } = loaded;
  const configured = typeof config.workers === 'number' ? config.workers : config.workers.max;
  const tasks = config.tasks ? taskCount(config, loaded.inputs) : undefined;
  // The count the run itself will use (src/submit/localWorkers.ts), so the offer says what happens.
  const workers = localWorkerCount(config, loaded.inputs, {}, cpus().length);
  const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const items: ChoiceItem[] = [
    {
      label: tasks !== undefined ? `$(play) Run all ${plural(tasks, 'task')}` : '$(play) Run the cluster',
      description: `${plural(workers, 'local worker')} (aws-batch.json asks for ${configured}; this machine has ${cpus().length} cores)`,
      choice: {},
    },
  ];
  if (tasks !== undefined && tasks > 1) {
    const k = Math.min(2, tasks);
    items.push({
      label: '$(beaker) Smoke run',
      description: `only the first ${plural(k, 'task')}, to check the image and the command`,
      choice: { smoke: k },
    });
  }
  items.push({ label: '$(settings-gear) Choose the number of workers…', choice: 'ask' });
  const picked = await vscode.window.showQuickPick(items, {
    title: `Run Locally: ${config.name}`,
    placeHolder: 'Runs in containers on this machine’s Docker engine; nothing calls AWS',
  });
  if (!picked) return undefined;
  if (picked.choice !== 'ask') return picked.choice;
  const answer = await vscode.window.showInputBox({
    title: `Run Locally: ${config.name}`,
    prompt: 'Number of worker containers',
    value: String(workers),
    validateInput: (value) =>
      /^\d+$/.test(value.trim()) && Number(value) >= 1 && Number(value) <= 256
        ? undefined
        : 'A whole number from 1 to 256.',
  });
  return answer === undefined ? undefined : { workers: Number(answer.trim()) };
}

/** Starts a local run and hooks it into the Runs view, its channel and log file. */
export async function startLocalRun(
  services: Services,
  loaded: LoadedConfig,
  choices: LocalRunChoices,
): Promise<LocalRun | undefined> {
  const build = services.buildOutput();
  build.appendLine(`\n=== Run Locally: ${loaded.config.name} (${new Date().toLocaleString()}) ===`);
  // Set once the run has started (its id names the channel and the log file).
  const sink: { channel?: vscode.OutputChannel; file?: WriteStream } = {};
  // Container lines can come before runLocally() returns (the manager starts first): kept until then.
  const pending: string[] = [];
  const line = (text: string, source: LocalLogSource) => {
    if (source === 'setup') {
      build.appendLine(text);
      if (!sink.channel) return;
    }
    const shown = source === 'setup' ? `── ${text}` : `[${source}] ${text}`;
    if (sink.channel) sink.channel.appendLine(shown);
    else pending.push(shown);
    sink.file?.write(`${shown}\n`);
  };
  const settings = services.settings.submit;
  let run: LocalRun;
  try {
    const { runLocally: start } = await import('../bundles/aws');
    run = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'AWS Batch: Run Locally', cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        const cancel = token.onCancellationRequested(() => abort.abort());
        let reported = 0;
        try {
          return await start({
            docker: services.docker(),
            loaded,
            runtimePath: services.context.asAbsolutePath(join('dist', 'runtime.js')),
            runtimeNodeImage: settings.runtimeNodeImage,
            cacheDir: join(services.context.globalStorageUri.fsPath, 'docker'),
            // Only a FROM on an ECR registry signs in (and so needs AWS credentials).
            ecrIn: async () => {
              const aws = await services.aws();
              return (region) => aws.ecrIn(region);
            },
            ...choices,
            log: line,
            signal: abort.signal,
            progress: {
              report: (message, fraction) => {
                const target = fraction === undefined ? reported : Math.max(reported, Math.min(1, fraction) * 100);
                progress.report({ message, increment: target - reported });
                reported = target;
              },
            },
          });
        } finally {
          cancel.dispose();
        }
      },
    );
  } catch (error) {
    await reportError(services, error, { action: 'Run Locally', title: 'Run Locally', channel: build });
    return undefined;
  }

  const channel = vscode.window.createOutputChannel(`AWS Batch: ${run.runId}`, 'log');
  services.context.subscriptions.push(channel);
  const logFile = localLogFile(run.runUri, run.runId) ?? join(run.runDir, '..', `${run.runId}.log`);
  await mkdir(dirname(logFile), { recursive: true }).catch(() => undefined);
  const file = createWriteStream(logFile, { flags: 'a' });
  file.on('error', () => (sink.file = undefined));
  channel.appendLine(`── Running ${run.runId} locally: ${run.workers} workers, image ${run.image.ref}`);
  for (const text of pending.splice(0)) {
    channel.appendLine(text);
    file.write(`${text}\n`);
  }
  sink.channel = channel;
  sink.file = file;
  if (services.settings.logs.followAfterSubmit) channel.show(true);

  services.localRuns.add(run, channel, logFile);
  services.runs.addLocalRun(run.runUri);
  void services.runWatches.watch(run.runUri);
  void services.runs.refresh();
  void run.done.then((result) => {
    const status = result.summary?.status ?? (result.cancelled ? 'cancelled' : `ended (exit ${result.exitCode})`);
    const why = result.problem ? `: ${result.problem}` : result.summary?.reason ? `: ${result.summary.reason}` : '';
    channel.appendLine(`── ${run.runId} ${status}${why} ──`);
    if (result.summary?.status === 'succeeded' && !result.cancelled && !result.problem)
      services.walkthrough.complete('runLocally', `local run ${run.runId} succeeded`);
    sink.file?.end();
    sink.file = undefined;
    // The Runs view's finish notice comes from its model, as for Batch runs.
    void services.runs.refresh();
  });
  services.output.info(`Run Locally: ${run.runId} in ${run.runDir} with ${run.workers} workers`);
  return run;
}
