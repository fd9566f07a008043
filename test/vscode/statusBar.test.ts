// The "AWS: profile (region)" status bar item shows only where it is useful: while the folder has
// aws-batch.json, or an AWS Batch view is on screen, or a watched run is going; otherwise it is hidden.
import * as assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension';
import { isActive } from '../../src/models/runs/runFormat';

async function waitFor(what: string, probe: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

suite('status bar item (extension host)', function () {
  this.timeout(60_000);
  let api: ExtensionApi;
  let file: string;

  suiteSetup(async function () {
    api = await vscode.extensions.getExtension<ExtensionApi>('aws-batch-runner.aws-batch-runner')!.activate();
    file = join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'aws-batch.json');
    if (existsSync(file)) this.skip(); // another suite's file
    await vscode.commands.executeCommand('workbench.view.explorer');
  });

  suiteTeardown(() => rmSync(file, { force: true }));

  const reasons = () => api.targetStatusBar.reasons();
  const watchedActive = () =>
    api.services.runs.runs().some((run) => isActive(run) && api.services.runs.isWatched(run.runUri));

  test('hidden with no aws-batch.json, no AWS Batch view on screen and no watched run going', async () => {
    await waitFor('the AWS Batch views to be off screen', () => !reasons().includes('view'));
    assert.deepEqual(reasons(), watchedActive() ? ['run'] : []);
    await waitFor('the item to follow', () => api.targetStatusBar.shown() === watchedActive());
  });

  test('shown while the folder has aws-batch.json', async () => {
    writeFileSync(file, JSON.stringify({ name: 'status-bar-test', jobQueue: 'research-queue' }));
    await waitFor('the config reason', () => reasons().includes('config'));
    await waitFor('the item to show', () => api.targetStatusBar.shown());
    rmSync(file);
    await waitFor('the config reason to go', () => !reasons().includes('config'));
  });

  test('shown while an AWS Batch view is on screen', async () => {
    await vscode.commands.executeCommand('awsBatch.queues.focus');
    await waitFor('the view reason', () => reasons().includes('view'));
    await waitFor('the item to show', () => api.targetStatusBar.shown());
    await vscode.commands.executeCommand('workbench.view.explorer');
    await waitFor('the view reason to go', () => !reasons().includes('view'));
    await waitFor('the item to follow', () => api.targetStatusBar.shown() === reasons().length > 0);
  });
});
