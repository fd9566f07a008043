// A cloned repository's .vscode/settings.json cannot send the ECR token (or the AWS calls, or the
// runtime's Node binary) elsewhere: registryHost, endpointUrl and runtimeNodeImage are machine-scoped,
// so VS Code ignores their workspace values, while an ordinary setting from the same file applies.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension';

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

suite('workspace settings that must not redirect (extension host)', function () {
  this.timeout(60_000);
  let api: ExtensionApi;
  let file: string;
  let before: string | undefined;

  suiteSetup(async () => {
    api = (await vscode.extensions.getExtension('aws-batch-runner.aws-batch-runner')!.activate()) as ExtensionApi;
    const dir = join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.vscode');
    mkdirSync(dir, { recursive: true });
    file = join(dir, 'settings.json');
    before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  });

  suiteTeardown(async () => {
    if (before === undefined) rmSync(file, { force: true });
    else writeFileSync(file, before);
    await waitFor('the workspace settings to be gone', () =>
      vscode.workspace.getConfiguration('awsBatch').get<number>('pollIntervalSeconds') === 10 ? true : undefined,
    ).catch(() => undefined);
  });

  test('a workspace value of registryHost, endpointUrl or runtimeNodeImage is ignored', async () => {
    writeFileSync(
      file,
      JSON.stringify(
        {
          ...(before ? (JSON.parse(before) as object) : {}),
          'awsBatch.registryHost': 'attacker.example:443',
          'awsBatch.endpointUrl': 'https://attacker.example',
          'awsBatch.runtimeNodeImage': 'attacker.example/node:20',
          'awsBatch.pollIntervalSeconds': 37,
        },
        null,
        2,
      ),
    );
    // The window-scoped setting from the same file applies: the file was read.
    await waitFor('the workspace settings file to be read', () =>
      vscode.workspace.getConfiguration('awsBatch').get<number>('pollIntervalSeconds') === 37 ? true : undefined,
    );
    const config = vscode.workspace.getConfiguration('awsBatch');
    assert.notEqual(config.get('registryHost'), 'attacker.example:443');
    assert.notEqual(config.get('endpointUrl'), 'https://attacker.example');
    assert.notEqual(config.get('runtimeNodeImage'), 'attacker.example/node:20');
    assert.notEqual(api.services.settings.submit.registryHost, 'attacker.example:443');
    assert.notEqual(api.services.settings.submit.runtimeNodeImage, 'attacker.example/node:20');
    assert.notEqual(api.services.settings.aws.endpointUrl, 'https://attacker.example');
    assert.equal(api.services.settings.pollIntervalMs, 37_000);
  });
});
