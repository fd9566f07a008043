// Jobs and Job Definitions views inside a real extension host, against moto with Docker-backed jobs.
import * as assert from 'node:assert/strict';
import { BatchClient, DescribeJobsCommand, JobStatus, SubmitJobCommand } from '@aws-sdk/client-batch';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension';
import type { DefinitionNameNode } from '../../src/models/jobDefinitionsModel';
import type { JobNode, JobsQueueNode, JobsViewNode, StatusGroupNode } from '../../src/models/jobsModel';
import { registerBusyboxDefinition } from '../helpers/jobDefinitions';

const QUEUE = 'research-queue';
const DEFINITION = 'jobs-view-test';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

suite('Jobs and Job Definitions views (extension host)', function () {
  this.timeout(180000);
  let api: ExtensionApi;
  const batch = new BatchClient({});
  const ids: Record<string, string> = {};
  const suffix = Date.now().toString(36);

  async function status(jobId: string): Promise<string | undefined> {
    const { jobs } = await batch.send(new DescribeJobsCommand({ jobs: [jobId] }));
    return jobs?.[0]?.status;
  }

  async function jobsTree() {
    const provider = api.jobsProvider;
    await api.services.jobs.refresh();
    const queue = (await provider.getChildren()).find((n) => (n as JobsQueueNode).name === QUEUE) as JobsQueueNode;
    assert.ok(queue, `${QUEUE} is in the Jobs view`);
    const groups = (await provider.getChildren(queue)) as StatusGroupNode[];
    const group = async (name: string) => {
      const node = groups.find((g) => g.status === name);
      assert.ok(node, `status group ${name}`);
      return (await provider.getChildren(node)) as JobNode[];
    };
    return { provider, queue, groups, group };
  }

  suiteSetup(async () => {
    api = await vscode.extensions.getExtension<ExtensionApi>('aws-batch-runner.aws-batch-runner')!.activate();
    const definitionArn = await registerBusyboxDefinition(batch, DEFINITION, ['sh', '-c', 'true']);
    const submit = async (name: string, command: string[], extra: Partial<SubmitJobCommand['input']> = {}) => {
      const { jobId } = await batch.send(
        new SubmitJobCommand({
          jobName: `${name}-${suffix}`,
          jobQueue: QUEUE,
          jobDefinition: definitionArn,
          containerOverrides: { command },
          ...extra,
        }),
      );
      ids[name] = jobId!;
    };
    await submit('jv-sleep', ['sleep', '120']);
    await submit('jv-fail', ['sh', '-c', 'exit 3']);
    await submit('jv-ok', ['true']);
    await submit('jv-array', ['true'], { arrayProperties: { size: 3 } });
    await submit('jv-pending', ['true'], { dependsOn: [{ jobId: ids['jv-sleep'] }] });
    const want: Record<string, JobStatus> = { 'jv-sleep': 'RUNNING', 'jv-fail': 'FAILED', 'jv-ok': 'SUCCEEDED' };
    for (const [name, expected] of Object.entries(want)) {
      await waitFor(`${name} to be ${expected}`, async () =>
        (await status(ids[name])) === expected ? true : undefined,
      );
    }
  });

  suiteTeardown(async () => {
    const { TerminateJobCommand } = await import('@aws-sdk/client-batch');
    for (const id of Object.values(ids))
      await batch.send(new TerminateJobCommand({ jobId: id, reason: 'test cleanup' })).catch(() => undefined);
    batch.destroy();
    await vscode.workspace.getConfiguration('awsBatch').update('region', undefined, vscode.ConfigurationTarget.Global);
    api.services.jobs.setFilter({ statuses: [], name: '' });
  });

  test('jobs appear under their queue in the right status groups, labelled with counts', async () => {
    const { groups, group } = await jobsTree();
    const label = (g: StatusGroupNode) => api.jobsProvider.getTreeItem(g).label;
    assert.deepEqual(
      groups.map((g) => g.status),
      ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED'],
    );
    assert.match(String(label(groups.find((g) => g.status === 'RUNNING')!)), /^RUNNING \(\d+\)$/);
    assert.ok((await group('RUNNING')).some((j) => j.jobId === ids['jv-sleep']));
    assert.ok((await group('FAILED')).some((j) => j.jobId === ids['jv-fail']));
    const ok = (await group('SUCCEEDED')).find((j) => j.jobId === ids['jv-ok']);
    assert.ok(ok);
    const item = api.jobsProvider.getTreeItem(ok);
    assert.match(String(item.description), new RegExp(`^${ok.jobId.slice(0, 8)} · ran \\d+s`));
    assert.match((item.tooltip as vscode.MarkdownString).value, /Log stream: `jobs-view-test\/default\//);
    assert.match(String(item.contextValue), /^job;status=SUCCEEDED/);
  });

  test('an array job expands to its children', async () => {
    const tree = await jobsTree();
    // moto leaves an array parent SUBMITTED until it is described; AWS moves it along with its children.
    const all = (await Promise.all(tree.groups.map((g) => tree.group(g.status)))).flat();
    const array = all.find((j) => j.jobId === ids['jv-array']);
    assert.ok(array, 'array parent listed');
    assert.equal(api.jobsProvider.getTreeItem(array).collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    const children = (await api.jobsProvider.getChildren(array)) as JobNode[];
    assert.deepEqual(
      children.map((c) => c.jobId),
      [0, 1, 2].map((i) => `${ids['jv-array']}:${i}`),
    );
  });

  test('Describe opens a read-only JSON document of the job', async () => {
    const { group } = await jobsTree();
    const failed = (await group('FAILED')).find((j) => j.jobId === ids['jv-fail'])!;
    await vscode.commands.executeCommand('awsBatch.job.describe', failed);
    const editor = await waitFor('the JSON document', async () =>
      vscode.window.activeTextEditor?.document.uri.scheme === 'aws-batch' ? vscode.window.activeTextEditor : undefined,
    );
    assert.equal(editor.document.languageId, 'json');
    assert.equal(JSON.parse(editor.document.getText()).jobId, failed.jobId);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('Cancel ends a job that has not started; Terminate (confirmed) stops a running one', async () => {
    const { group } = await jobsTree();
    const pending = (await group('PENDING')).find((j) => j.jobId === ids['jv-pending']);
    assert.ok(pending, 'the dependent job waits in PENDING');
    await vscode.commands.executeCommand('awsBatch.job.cancel', pending);
    await waitFor('the cancelled job to fail', async () =>
      (await status(ids['jv-pending'])) === 'FAILED' ? true : undefined,
    );

    const running = (await group('RUNNING')).find((j) => j.jobId === ids['jv-sleep'])!;
    const window = vscode.window as { showWarningMessage: (...args: unknown[]) => Thenable<unknown> };
    const original = window.showWarningMessage;
    const asked: unknown[] = [];
    window.showWarningMessage = async (...args: unknown[]) => {
      asked.push(args[0]);
      return 'Terminate';
    };
    try {
      await vscode.commands.executeCommand('awsBatch.job.terminate', running);
    } finally {
      window.showWarningMessage = original;
    }
    assert.match(String(asked[0]), /^Terminate jv-sleep/);
    await waitFor('the terminated job to fail', async () =>
      (await status(ids['jv-sleep'])) === 'FAILED' ? true : undefined,
    );
    const after = await jobsTree();
    assert.ok(
      (await after.group('FAILED')).some((j) => j.jobId === ids['jv-sleep']),
      'the view shows it FAILED',
    );
  });

  test('the filter hides jobs and shows in the view title', async () => {
    // The two filter commands, with their quick pick and input box answered.
    const window = vscode.window as {
      showQuickPick: (...args: unknown[]) => Thenable<unknown>;
      showInputBox: (...args: unknown[]) => Thenable<unknown>;
    };
    const { showQuickPick, showInputBox } = window;
    window.showQuickPick = async (items: unknown) =>
      ((await items) as vscode.QuickPickItem[]).filter((item) => ['FAILED', 'SUCCEEDED'].includes(item.label));
    window.showInputBox = async () => `jv-ok-${suffix}`;
    try {
      await vscode.commands.executeCommand('awsBatch.jobs.filterStatus');
      await vscode.commands.executeCommand('awsBatch.jobs.filterName');
    } finally {
      window.showQuickPick = showQuickPick;
      window.showInputBox = showInputBox;
    }
    assert.deepEqual(api.services.jobs.getFilter(), { statuses: ['SUCCEEDED', 'FAILED'], name: `jv-ok-${suffix}` });
    assert.equal(api.jobsView.description, `Filtered: SUCCEEDED, FAILED · name contains "jv-ok-${suffix}"`);
    const { groups, group } = await jobsTree();
    assert.deepEqual(
      groups.map((g) => g.status),
      ['SUCCEEDED', 'FAILED'],
    );
    assert.deepEqual(
      (await group('SUCCEEDED')).map((j) => j.jobId),
      [ids['jv-ok']],
    );
    assert.deepEqual(await group('FAILED'), []);
    await vscode.commands.executeCommand('awsBatch.jobs.clearFilter');
    assert.equal(api.jobsView.description, undefined);
  });

  test('the Job Definitions view lists the definition with its revision, image and resources', async () => {
    await api.services.definitions.refresh();
    const names = (await api.definitionsProvider.getChildren()) as DefinitionNameNode[];
    const node = names.find((n) => n.name === DEFINITION);
    assert.ok(node, 'definition listed');
    const [latest] = await api.definitionsProvider.getChildren(node);
    const item = api.definitionsProvider.getTreeItem(latest);
    assert.match(String(item.description), /local\/busybox:latest · 1 vCPU · 128 MiB/);
    await vscode.commands.executeCommand('awsBatch.definitions.describe', latest);
    const editor = await waitFor('the definition document', async () =>
      vscode.window.activeTextEditor?.document.uri.path.startsWith('/job-definitions/')
        ? vscode.window.activeTextEditor
        : undefined,
    );
    assert.equal(JSON.parse(editor.document.getText()).jobDefinitionName, DEFINITION);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('switching region empties the views and switching back refills them', async () => {
    const config = vscode.workspace.getConfiguration('awsBatch');
    await config.update('region', 'eu-west-1', vscode.ConfigurationTarget.Global);
    await api.services.jobs.refresh();
    assert.deepEqual(await api.jobsProvider.getChildren(), [], 'moto has no queues in eu-west-1');
    await config.update('region', undefined, vscode.ConfigurationTarget.Global);
    await api.services.jobs.refresh();
    const names = ((await api.jobsProvider.getChildren()) as JobsViewNode[]).map((n) => (n as JobsQueueNode).name);
    assert.ok(names.includes(QUEUE), `queues after switching back: ${names.join(', ')}`);
  });
});
