// Download Results: copies a run's S3 prefix (its run URI) into a workspace folder, by default
// results/<run>, asked the first time. A cancellable progress notification with files and bytes, a
// summary with a button that reveals the folder; refused and failed keys are listed in the log.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DownloadProgress, DownloadSummary } from '../results/download';
import { refusalSummary } from '../results/refusals';
import { isLocalRunUri, lastFolderName, parseRunUri } from '../results/runUris';
import type { S3Location } from '../results/s3Uri';
import { describeJob, runRootOf } from '../logs/jobLookup';
import { ENV_RUN_URI, runInfo, TAG_RUN_URI } from '../shared/run';
import type { Services } from '../ui/services';
import { jobRefOf, type JobArg, type RunArg } from './args';
import { recentJobs } from './pickJob';
import { CommandFactory, UserError } from './runCommand';

/** workspaceState key: the folder pattern chosen on first use, with ${runId} in it. */
const FOLDER_STATE = 'awsBatch.download.folderPattern';
const DEFAULT_PATTERN = 'results/${runId}';
/** Objects of the run store that are not results: the run's HMAC secret (see the runtime). */
const NOT_RESULTS = new Set(['secret']);

interface RunRef {
  runId: string;
  location: S3Location;
  /** For messages: the manager job's name, else the run id. */
  label: string;
}

/** A run (its URI), a job of a run (node, ref or id), or nothing: pick a recent run. */
export type DownloadArg = RunArg | JobArg | string;

export const downloadResults: CommandFactory<[arg?: DownloadArg]> = (services) => {
  const running = new Set<string>();
  return async (arg) => {
    if (typeof arg === 'object' && 'runUri' in arg && arg.runUri && isLocalRunUri(arg.runUri)) {
      return copyLocalRun(services, arg.runUri, arg.runId);
    }
    const run = await resolveRun(services, arg);
    if (!run) return undefined;
    const destination = await chooseDestination(services, run);
    if (!destination) return undefined;
    if (running.has(destination)) {
      vscode.window.showInformationMessage(`Run ${run.runId} is already downloading into ${shown(destination)}.`);
      return undefined;
    }
    running.add(destination);
    try {
      const summary = await download(services, run, destination);
      if (!summary.cancelled && !summary.failed.length)
        services.walkthrough.complete('download', `run ${run.runId} downloaded`);
      void report(services, run, summary);
      return summary;
    } finally {
      running.delete(destination);
    }
  };
};

/** A local run's folder is already in the S3 layout: Download Results copies it. */
async function copyLocalRun(services: Services, runUri: string, runIdGiven: string | undefined) {
  const parsed = parseRunUri(runUri);
  if (parsed.scheme !== 'file') return undefined;
  const runId = runIdGiven ?? lastFolderName(runUri) ?? 'run';
  const destination = await chooseDestination(services, { runId, label: `run ${runId}` });
  if (!destination) return undefined;
  const { copyRunFolder } = await import('../results/copyRunFolder');
  const summary = await copyRunFolder(parsed.path, destination, (relative) => NOT_RESULTS.has(relative));
  const message =
    `Copied ${count(summary.copied, 'file')} (${bytes(summary.bytes)}) of local run ${runId} to ${shown(destination)}.` +
    (summary.skipped ? ` ${count(summary.skipped, 'file')} already there, unchanged.` : '');
  services.output.info(message);
  services.walkthrough.complete('download', `local run ${runId} copied`);
  const reveal = 'Reveal in Explorer';
  void vscode.window.showInformationMessage(message, reveal).then((picked) => {
    if (picked === reveal) void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(destination));
  });
  return { destination, ...summary };
}

async function download(services: Services, run: RunRef, destination: string): Promise<DownloadSummary> {
  const [clients, { downloadPrefix }, { createDownloadApi }, { formatS3Uri }] = await Promise.all([
    services.aws(),
    import('../results/download'),
    import('../bundles/aws'),
    import('../results/s3Uri'),
  ]);
  const concurrency = services.settings.downloadConcurrency;
  const api = createDownloadApi(clients.s3, clients.target, concurrency);
  services.output.info(`Downloading ${formatS3Uri(run.location)} to ${destination}`);
  try {
    return await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Downloading the results of ${run.label}`,
        cancellable: true,
      },
      async (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        let reported = 0;
        return downloadPrefix({
          s3: api,
          bucket: run.location.bucket,
          prefix: run.location.prefix,
          destination,
          concurrency,
          signal: controller.signal,
          exclude: (relative) => NOT_RESULTS.has(relative),
          progressIntervalMs: 250,
          onProgress: (p: DownloadProgress) => {
            const fraction = p.bytesTotal ? p.bytesDone / p.bytesTotal : p.filesTotal ? p.filesDone / p.filesTotal : 0;
            const increment = Math.max(0, fraction * 100 - reported);
            reported += increment;
            progress.report({ message: progressText(p), increment });
          },
        });
      },
    );
  } finally {
    api.destroy();
  }
}

function progressText(p: DownloadProgress): string {
  if (p.phase === 'listing') return `listing… ${p.filesTotal.toLocaleString('en-US')} objects`;
  return `${p.filesDone.toLocaleString('en-US')} of ${p.filesTotal.toLocaleString('en-US')} files · ${bytes(p.bytesDone)} of ${bytes(p.bytesTotal)}`;
}

async function report(services: Services, run: RunRef, summary: DownloadSummary): Promise<void> {
  const where = shown(summary.destination);
  for (const refused of summary.refused) {
    services.output.warn(
      `Refused S3 key ${JSON.stringify(refused.key)}: ${refused.reason}; nothing was written for it.`,
    );
  }
  for (const failed of summary.failed)
    services.output.error(`Could not download ${failed.relative}: ${failed.message}`);
  const parts: string[] = [];
  if (summary.cancelled) {
    parts.push(
      `Download of ${run.label} cancelled: ${summary.downloaded + summary.skipped} of ${summary.files} files are in ${where}. Run Download Results again to finish.`,
    );
  } else {
    parts.push(
      `Downloaded ${count(summary.downloaded, 'file')} (${bytes(summary.bytesDownloaded)}) of ${run.label} to ${where} in ${summary.seconds.toFixed(1)} s.`,
    );
    if (summary.skipped) parts.push(`${count(summary.skipped, 'file')} already there, unchanged.`);
  }
  if (summary.refused.length) parts.push(refusalSummary(summary.refused));
  if (summary.failed.length) parts.push(`${count(summary.failed.length, 'file')} failed.`);
  services.output.info(parts.join(' '));
  const reveal = 'Reveal in Explorer';
  const details = 'Show Details';
  const buttons = summary.refused.length || summary.failed.length ? [reveal, details] : [reveal];
  const show =
    summary.failed.length || summary.refused.length
      ? vscode.window.showWarningMessage
      : vscode.window.showInformationMessage;
  const picked = await show(parts.join(' '), ...buttons);
  if (picked === details) services.output.show();
  if (picked === reveal) await revealFolder(summary.destination);
}

async function revealFolder(folder: string): Promise<void> {
  const uri = vscode.Uri.file(folder);
  if (vscode.workspace.getWorkspaceFolder(uri)) {
    await vscode.commands.executeCommand('revealInExplorer', uri);
    await vscode.commands.executeCommand('workbench.view.explorer');
  } else {
    await vscode.commands.executeCommand('revealFileInOS', uri);
  }
}

// ---- which run ----

async function resolveRun(services: Services, arg: DownloadArg | undefined): Promise<RunRef | undefined> {
  const { parseS3Uri, lastSegment } = await import('../results/s3Uri');
  if (typeof arg === 'object' && 'runUri' in arg && arg.runUri) {
    const location = parseS3Uri(arg.runUri);
    const runId = arg.runId || lastSegment(location);
    return { runId, location, label: arg.jobName ?? `run ${runId}` };
  }
  const job = jobRefOf(arg);
  if (job) return runOfJob(services, job.jobId);
  return pickRun(services);
}

async function runOfJob(services: Services, jobId: string): Promise<RunRef> {
  const { parseS3Uri, lastSegment } = await import('../results/s3Uri');
  const job = await runRootOf(services.batch, await describeJob(services.batch, jobId));
  const info = runInfo(job);
  if (!info.runUri) {
    throw new UserError(
      `${job.jobName ?? jobId} is not part of an AWS Batch Runner run: it has no ${TAG_RUN_URI} tag and no ${ENV_RUN_URI} variable. Run Download Results from the palette to enter an S3 URI.`,
    );
  }
  const location = parseS3Uri(info.runUri);
  const runId = info.runId ?? lastSegment(location);
  return { runId, location, label: job.jobName ?? `run ${runId}` };
}

async function pickRun(services: Services): Promise<RunRef | undefined> {
  type Item = vscode.QuickPickItem & { run?: RunRef };
  const enter: Item = { label: '$(edit) Enter an S3 URI…', alwaysShow: true };
  const pick = vscode.window.createQuickPick<Item>();
  pick.title = 'Download Results: which run?';
  pick.placeholder = 'Looking for recent runs…';
  pick.busy = true;
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  pick.items = [enter];
  pick.show();
  void findRuns(services).then(
    (runs) => {
      pick.items = [
        ...runs.map(({ run, status, createdAt }): Item => ({
          label: run.label,
          description: `${run.runId} · ${status}`,
          detail: `s3://${run.location.bucket}/${run.location.prefix} · ${createdAt ? new Date(createdAt).toLocaleString() : ''}`,
          run,
        })),
        enter,
      ];
      pick.placeholder = runs.length ? 'Choose a run' : 'No recent runs found; enter the run URI';
      pick.busy = false;
    },
    (error: unknown) => {
      pick.placeholder = `Could not list runs (${services.explain(error, 'batch:ListJobs').message}); enter the run URI`;
      pick.busy = false;
    },
  );
  const chosen = await new Promise<Item | undefined>((resolve) => {
    pick.onDidAccept(() => resolve(pick.selectedItems[0]));
    pick.onDidHide(() => resolve(undefined));
  });
  pick.dispose();
  if (!chosen) return undefined;
  if (chosen.run) return chosen.run;
  const { parseS3Uri, lastSegment } = await import('../results/s3Uri');
  const typed = await vscode.window.showInputBox({
    title: 'Download Results',
    prompt: "The run's S3 location",
    placeHolder: 's3://my-results/runs/<runId>/',
    validateInput: (value) => {
      try {
        parseS3Uri(value);
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    },
  });
  if (!typed) return undefined;
  const location = parseS3Uri(typed);
  return { runId: lastSegment(location), location, label: `run ${lastSegment(location)}` };
}

async function findRuns(services: Services): Promise<{ run: RunRef; status: string; createdAt?: number }[]> {
  const { parseS3Uri, lastSegment } = await import('../results/s3Uri');
  const jobs = (await recentJobs(services)).slice(0, 200);
  const details = await services.batch.describeJobs(jobs.map((job) => job.jobId!));
  const runs: { run: RunRef; status: string; createdAt?: number }[] = [];
  for (const job of details.sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0))) {
    const info = runInfo(job);
    if (info.role !== 'manager' || !info.runUri) continue;
    try {
      const location = parseS3Uri(info.runUri);
      const runId = info.runId ?? lastSegment(location);
      runs.push({
        run: { runId, location, label: job.jobName ?? runId },
        status: job.status ?? '',
        createdAt: job.createdAt,
      });
    } catch {
      // A malformed run URI tag: not offered.
    }
  }
  return runs;
}

// ---- where to ----

async function chooseDestination(
  services: Services,
  run: Pick<RunRef, 'runId' | 'label'>,
): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder || folder.uri.scheme !== 'file') {
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      openLabel: 'Download Here',
      title: `Folder for the results of ${run.label}`,
    });
    return picked?.[0] ? path.join(picked[0].fsPath, safeName(run.runId)) : undefined;
  }
  const root = folder.uri.fsPath;
  const state = services.context.workspaceState;
  const setting = services.settings.downloadFolder;
  const explicit = setting.explicit;
  const remembered = state.get<string>(FOLDER_STATE);
  let pattern = explicit ?? remembered;
  if (!pattern) {
    const suggested = (setting.defaultValue ?? DEFAULT_PATTERN).replace('${runId}', safeName(run.runId));
    const answer = await vscode.window.showInputBox({
      title: `Download the results of ${run.label} into…`,
      prompt:
        'A folder in the workspace (relative) or anywhere (absolute). Asked once; change it later with the setting awsBatch.download.folder.',
      value: suggested,
      validateInput: (value) => (value.trim() ? undefined : 'Enter a folder'),
    });
    if (!answer) return undefined;
    const trimmed = answer.trim();
    // Remember the choice as a pattern when it names the run, so the next run goes next to it.
    if (trimmed.includes(safeName(run.runId))) {
      pattern = trimmed.split(safeName(run.runId)).join('${runId}');
      await state.update(FOLDER_STATE, pattern);
    } else {
      pattern = trimmed;
    }
  }
  const chosen = pattern.split('${runId}').join(safeName(run.runId));
  return path.resolve(root, chosen);
}

function safeName(runId: string): string {
  return runId.replace(/[^\w.@-]/g, '_').replace(/^\.+/, '_') || 'run';
}

function shown(folder: string): string {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (root) {
    const rel = path.relative(root, folder);
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  }
  return folder;
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
