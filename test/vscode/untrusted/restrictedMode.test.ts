// Restricted Mode in a real extension host: scripts/vscode-tests.mjs opens the test folder with
// workspace trust on and the folder untrusted. The views still work; Submit, Run Locally and Build and
// Push (and Register Job Definition, Re-run Failed Tasks) refuse with the message that says how to
// trust the folder, and nothing is built, pushed,
// registered, submitted or run (checked on the real Docker engine and moto).
import * as assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchClient, DescribeJobDefinitionsCommand, ListJobsCommand } from '@aws-sdk/client-batch';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import Docker from 'dockerode';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';
import type { QueueNode } from '../../../src/models/jobQueuesModel';
import { MANAGE_TRUST, untrustedMessage } from '../../../src/commands/trust';

const QUEUE = 'research-queue';
const STATUSES = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const;

interface Shown {
  message: string;
  items: unknown[];
}

suite('Restricted Mode (untrusted workspace, extension host)', function () {
  this.timeout(120_000);
  const id = Date.now().toString(36);
  const name = `untrusted-${id}`;
  const docker = new Docker();
  const batch = new BatchClient({});
  const ecr = new ECRClient({});
  let api: ExtensionApi;
  let folder: string;
  let startedAt: number;
  const shown: Shown[] = [];
  let original: typeof vscode.window.showWarningMessage;

  suiteSetup(async () => {
    folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    // A folder that would build and run if it were trusted: a Dockerfile and an aws-batch.json.
    mkdirSync(join(folder, 'untrusted-test'), { recursive: true });
    writeFileSync(join(folder, 'untrusted-test/Dockerfile'), `FROM local/debian:bookworm\nRUN echo ${id}\n`);
    writeFileSync(
      join(folder, 'aws-batch.json'),
      JSON.stringify({
        name,
        repository: name,
        dockerfile: 'untrusted-test/Dockerfile',
        context: 'untrusted-test',
        jobQueue: QUEUE,
        results: { bucket: 'batch-runner-results' },
        tasks: { command: ['true'], count: 1 },
      }),
    );
    api = await vscode.extensions.getExtension<ExtensionApi>('aws-batch-runner.aws-batch-runner')!.activate();
    // A spy, not a stand-in: the real notification is still shown.
    original = vscode.window.showWarningMessage;
    (vscode.window as { showWarningMessage: unknown }).showWarningMessage = (message: string, ...items: unknown[]) => {
      shown.push({ message, items });
      return (original as (...args: unknown[]) => Thenable<unknown>)(message, ...items);
    };
    startedAt = Date.now();
  });

  suiteTeardown(() => {
    (vscode.window as { showWarningMessage: unknown }).showWarningMessage = original;
    rmSync(join(folder, 'untrusted-test'), { recursive: true, force: true });
    rmSync(join(folder, 'aws-batch.json'), { force: true });
    batch.destroy();
    ecr.destroy();
  });

  test('the folder is untrusted and the extension is active (untrustedWorkspaces: limited)', () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the harness must open the folder untrusted');
    assert.ok(vscode.extensions.getExtension('aws-batch-runner.aws-batch-runner')!.isActive);
  });

  test('the views work: the Job Queues view lists the queues', async () => {
    const rows = await api.queuesProvider.getChildren();
    const names = rows.filter((row): row is QueueNode => row.kind === 'queue').map((row) => row.name);
    assert.ok(names.includes(QUEUE), `queues listed: ${JSON.stringify(names)}`);
  });

  for (const [command, what] of [
    ['awsBatch.submit', 'Submit to Batch'],
    ['awsBatch.runLocally', 'Run Locally'],
    ['awsBatch.buildAndPushImage', 'Build and Push Image'],
    ['awsBatch.registerJobDefinition', 'Register Job Definition'],
    ['awsBatch.run.rerunFailed', 'Re-run Failed Tasks'],
  ] as const) {
    test(`${what} refuses with the Restricted Mode message`, async () => {
      shown.length = 0;
      const result = await vscode.commands.executeCommand(command);
      assert.equal(result, undefined);
      assert.deepEqual(shown, [{ message: untrustedMessage(what), items: [MANAGE_TRUST] }]);
      assert.match(shown[0].message, /Restricted Mode/);
      assert.match(shown[0].message, /Trust the folder/);
    });
  }

  test('nothing was built, pushed, registered, submitted or run', async () => {
    const images = await docker.listImages({ filters: { reference: [`*${name}*`, `*/${name}*`] } });
    assert.deepEqual(
      images.map((image) => image.RepoTags),
      [],
    );
    const containers = await docker.listContainers({
      all: true,
      filters: { label: ['org.batch-runner.role=manager'] },
    });
    assert.deepEqual(
      containers.filter((container) => container.Created * 1000 >= startedAt - 1000).map((c) => c.Names),
      [],
    );
    await assert.rejects(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] })), {
      name: 'RepositoryNotFoundException',
    });
    const definitions = await batch.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: name }));
    assert.deepEqual(definitions.jobDefinitions ?? [], []);
    for (const jobStatus of STATUSES) {
      const { jobSummaryList } = await batch.send(new ListJobsCommand({ jobQueue: QUEUE, jobStatus }));
      assert.deepEqual(
        (jobSummaryList ?? []).filter((job) => job.jobName?.startsWith(name)).map((job) => job.jobName),
        [],
      );
    }
  });
});
