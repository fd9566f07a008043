// What Submit to Batch, Build and Push Image and Register Job Definition share: the workspace folder,
// aws-batch.json, a cancellable progress notification, the "AWS Batch: Build" channel, and turning
// the pipeline's errors into one message with the right button.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { CONFIG_FILE } from '../config/fileName';
import type { LoadedConfig } from '../config/loadConfig';
import type { Services } from '../ui/services';
import type { SubmitPipeline } from '../submit/pipeline';
import { reportError } from '../ui/reportError';
import { UserError } from './runCommand';

const busy = new WeakMap<Services, Set<string>>();

/** The folder to work on: the one a menu was opened on, the only one, or the user's pick. */
export async function pickFolder(resource?: unknown): Promise<vscode.WorkspaceFolder | undefined> {
  if (resource instanceof vscode.Uri) {
    const folder = vscode.workspace.getWorkspaceFolder(resource);
    if (folder) return folder;
  }
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    throw new UserError('Open the folder that holds your Dockerfile (File > Open Folder), then try again.');
  }
  if (folders.length === 1) return folders[0];
  const configured = folders.filter((folder) => existsSync(join(folder.uri.fsPath, CONFIG_FILE)));
  if (configured.length === 1) return configured[0];
  return vscode.window.showWorkspaceFolderPick({ placeHolder: `Workspace folder to use (with ${CONFIG_FILE})` });
}

export interface PipelineRun<T> {
  /** Title of the progress notification ("Submit to Batch"). */
  title: string;
  folder: vscode.WorkspaceFolder;
  requireDockerfile?: boolean;
  body: (pipeline: SubmitPipeline, loaded: LoadedConfig) => Promise<T>;
}

/**
 * Loads aws-batch.json and runs `body` under a cancellable progress notification, with the build
 * output in "AWS Batch: Build". Resolves undefined when the user cancelled or a problem was shown.
 */
export async function withPipeline<T>(services: Services, run: PipelineRun<T>): Promise<T | undefined> {
  const key = run.folder.uri.toString();
  const running = busy.get(services) ?? new Set<string>();
  busy.set(services, running);
  if (running.has(key)) {
    throw new UserError(
      `A build for ${run.folder.name} is already running; wait for it or cancel it in its notification.`,
    );
  }
  running.add(key);
  try {
    return await runPipeline(services, run);
  } finally {
    running.delete(key);
  }
}

async function runPipeline<T>(services: Services, run: PipelineRun<T>): Promise<T | undefined> {
  const folder = run.folder.uri;
  // The parser loads on first use, not at activation.
  const { loadRunConfig } = await import('../config/loadConfig');
  let loaded: LoadedConfig;
  try {
    loaded = await loadRunConfig(folder.fsPath, { requireDockerfile: run.requireDockerfile });
  } catch (error) {
    void reportError(services, error, { action: run.title, folder });
    return undefined;
  }

  const channel = services.buildOutput();
  channel.appendLine(`\n=== ${run.title}: ${run.folder.name} (${new Date().toLocaleString()}) ===`);
  try {
    // The pipeline lives in the lazily loaded AWS bundle (dist/aws.js), with the SDK.
    const [clients, { SubmitPipeline }] = await Promise.all([services.aws(), import('../bundles/aws')]);
    const settings = services.settings.submit;
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `AWS Batch: ${run.title}`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        const cancel = token.onCancellationRequested(() => abort.abort());
        let reported = 0;
        const pipeline = new SubmitPipeline({
          aws: clients,
          docker: services.docker(),
          registryHost: settings.registryHost,
          runtimeNodeImage: settings.runtimeNodeImage,
          runtimePath: services.context.asAbsolutePath(join('dist', 'runtime.js')),
          cacheDir: join(services.context.globalStorageUri.fsPath, 'docker'),
          signal: abort.signal,
          log: (line) => channel.appendLine(line),
          progress: {
            report: (message, fraction) => {
              const target = fraction === undefined ? reported : Math.max(reported, Math.min(1, fraction) * 100);
              progress.report({ message, increment: target - reported });
              reported = target;
            },
          },
        });
        try {
          return await run.body(pipeline, loaded);
        } finally {
          cancel.dispose();
        }
      },
    );
  } catch (error) {
    await reportError(services, error, { action: run.title, title: run.title, channel, folder });
    return undefined;
  }
}
