// "AWS Batch: Run Locally" inside a real extension host: the palette command (its QuickPick answered
// as a user would, with Enter) builds the workspace image on the real Docker engine, runs the
// manager and worker containers, and the run fills the Runs view from its local folder — with no AWS
// call. At the end no container or network of the run is left.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension';
import type { LocalRun } from '../../src/submit/localRun';

async function setting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('awsBatch').update(key, value, vscode.ConfigurationTarget.Global);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

suite('Run Locally (extension host)', function () {
  this.timeout(240_000);
  const id = Date.now().toString(36);
  const docker = new Docker();
  let api: ExtensionApi;
  let folder: string;
  let run: LocalRun | undefined;

  suiteSetup(async () => {
    api = await vscode.extensions.getExtension<ExtensionApi>('aws-batch-runner.aws-batch-runner')!.activate();
    folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    assert.ok(!existsSync(join(folder, 'aws-batch.json')), 'the sample workspace has no aws-batch.json of its own');
    await setting('runtimeNodeImage', process.env.BATCH_RUNNER_NODE_IMAGE ?? 'local/node:22');
    const files: Record<string, string> = {
      'local-test/Dockerfile': 'FROM local/debian:bookworm\nCOPY square.sh /square.sh\n',
      'local-test/square.sh':
        'echo "task $TASK_INDEX"; echo "{\\"square\\": $((TASK_INDEX * TASK_INDEX))}" > "$TASK_OUTPUT_DIR/output.json"\n',
      'aws-batch.json': JSON.stringify({
        name: `host-local-${id}`,
        repository: `host-local-${id}`,
        dockerfile: 'local-test/Dockerfile',
        context: 'local-test',
        jobQueue: 'research-queue',
        results: { bucket: 'batch-runner-results' },
        workers: 2,
        tasks: { command: ['sh', '/square.sh'], count: 3 },
      }),
    };
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(join(folder, file, '..'), { recursive: true });
      writeFileSync(join(folder, file), content);
    }
  });

  suiteTeardown(async () => {
    await run?.cancel().catch(() => undefined);
    await setting('runtimeNodeImage', undefined);
    rmSync(join(folder, 'local-test'), { recursive: true, force: true });
    rmSync(join(folder, 'aws-batch.json'), { force: true });
    rmSync(join(folder, '.batch-runner'), { recursive: true, force: true });
    for (const image of await docker.listImages({ filters: { reference: [`batch-runner-local/host-local-${id}`] } })) {
      for (const tag of image.RepoTags ?? [])
        await docker
          .getImage(tag)
          .remove()
          .catch(() => undefined);
    }
  });

  test('Run Locally from the palette runs the tasks in containers and fills the Runs view', async () => {
    const started = vscode.commands.executeCommand<LocalRun | undefined>('awsBatch.runLocally');
    // The QuickPick's first item runs every task with the default worker count: Enter takes it.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    run = await started;
    assert.ok(run, 'Run Locally started a run');
    assert.match(run.runUri, /^file:\/\/.*\/\.batch-runner\/runs\/host-local-[a-z0-9]+-\d{8}-\d{6}-[0-9a-f]+\/$/);
    assert.equal(run.workers, 2);
    assert.ok(api.services.runs.get(run.runUri), 'the run shows in the Runs view at once');
    assert.ok(api.services.runs.isWatched(run.runUri), 'and is watched for its finish notice');

    const result = await run.done;
    assert.equal(result.summary?.status, 'succeeded', result.problem);
    // The walkthrough's Run Locally step completes on this: a local run that succeeded.
    assert.equal(api.services.walkthrough.lastEvent('runLocally'), `local run ${run.runId} succeeded`);
    const finished = await waitFor('the Runs view to show the run succeeded', async () => {
      await api.services.runs.refresh();
      const status = api.services.runs.get(run!.runUri);
      return status?.state === 'succeeded' ? status : undefined;
    });
    assert.deepEqual([finished.tasks?.total, finished.tasks?.succeeded], [3, 3]);
    const row = api.runsProvider.getTreeItem(
      api.services.runs.roots().find((node) => node.kind === 'run' && node.runUri === run!.runUri)!,
    );
    assert.match(String(row.description), /^succeeded · 3\/3/);
    assert.match(String(row.contextValue), /;local;/);

    const results = readFileSync(join(run.runDir, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      results,
      [0, 1, 2].map((index) => ({ index, output: { square: index * index } })),
    );
    const left = await docker.listContainers({
      all: true,
      filters: { label: [`org.batch-runner.run-id=${run.runId}`] },
    });
    assert.deepEqual(
      left.map((c) => c.Names),
      [],
      'no container of the run is left',
    );
    const networks = await docker.listNetworks({ filters: { label: [`org.batch-runner.run-id=${run.runId}`] } });
    assert.deepEqual(
      networks.map((n) => n.Name),
      [],
      'no network of the run is left',
    );
    assert.ok(existsSync(join(folder, '.batch-runner', 'logs', `${run.runId}.log`)), 'the merged log is kept');
    assert.match(readFileSync(join(folder, '.batch-runner', 'logs', `${run.runId}.log`), 'utf8'), /\[worker [01]\] /);
  });
});
