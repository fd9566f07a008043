// Inside a real VS Code extension host, against moto (the runner passes the stand-ins' env through).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension';
import type { QueueNode, QueuesViewNode } from '../../src/models/jobQueuesModel';

const EXTENSION_ID = 'aws-batch-runner.aws-batch-runner';

async function activate(): Promise<ExtensionApi> {
  const extension = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not loaded`);
  return extension.activate();
}

async function setting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('awsBatch').update(key, value, vscode.ConfigurationTarget.Global);
}

suite('Job Queues view (extension host)', () => {
  let api: ExtensionApi;

  suiteSetup(async () => {
    api = await activate();
  });

  teardown(async () => {
    await setting('region', undefined);
    await setting('endpointUrl', undefined);
  });

  test('every contributed command is registered', async () => {
    const manifest = JSON.parse(
      readFileSync(join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'package.json'), 'utf8'),
    );
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = manifest.contributes.commands
      .map((c: { command: string }) => c.command)
      .filter((id: string) => !registered.has(id));
    assert.deepEqual(missing, []);
  });

  test('the tree provider lists both fixture queues with their compute environments', async () => {
    await vscode.commands.executeCommand('awsBatch.refreshQueues');
    const roots = (await api.queuesProvider.getChildren()) as QueueNode[];
    const labels = roots.map((node) => api.queuesProvider.getTreeItem(node).label);
    assert.deepEqual(labels, ['priority-queue', 'research-queue']);

    const research = roots.find((node) => node.name === 'research-queue')!;
    const item = api.queuesProvider.getTreeItem(research);
    assert.equal(item.description, 'ENABLED/VALID · priority 10');
    assert.equal(item.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    assert.equal(item.contextValue, 'jobQueue');
    assert.match((item.tooltip as vscode.MarkdownString).value, /research\\-ec2/);

    const children = await api.queuesProvider.getChildren(roots.find((node) => node.name === 'priority-queue'));
    const childItems = children.map((node: QueuesViewNode) => api.queuesProvider.getTreeItem(node));
    assert.deepEqual(
      childItems.map((c) => c.label),
      ['research-fargate', 'research-ec2'],
    );
    assert.match(String(childItems[1].description), /^MANAGED EC2 · ENABLED\/VALID · 0\/0\/64 vCPUs$/);
    assert.equal(
      api.queuesProvider.getParent(children[0]),
      roots.find((node) => node.name === 'priority-queue'),
    );
  });

  test('a wrong region setting gives one clear message, and fixing it recovers', async () => {
    await setting('region', 'moon-base-1');
    await api.services.queues.refresh();
    assert.equal(api.services.queues.problem?.kind, 'region');
    assert.match(api.services.queues.problem?.message ?? '', /"moon-base-1" is not an AWS region name/);
    assert.deepEqual(await api.queuesProvider.getChildren(), [], 'no queue from the previous region is shown');

    await setting('region', undefined);
    await api.services.queues.refresh();
    assert.equal(api.services.queues.problem, undefined);
    assert.equal((await api.queuesProvider.getChildren()).length, 2);
  });

  test('an unreachable endpoint keeps the tree empty with the endpoint named', async () => {
    await setting('endpointUrl', 'http://127.0.0.1:1');
    await api.services.queues.refresh();
    assert.equal(api.services.queues.state, 'error');
    assert.match(api.services.queues.problem?.message ?? '', /Cannot reach http:\/\/127\.0\.0\.1:1/);
  });
});
