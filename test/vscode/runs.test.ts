// The Runs view inside a real extension host, against moto's S3 and Batch: run folders seeded under
// a prefix of this test's own (listed through awsBatch.runs.resultsLocations), rows, descriptions,
// children and context values read through the ExtensionApi, and the run actions run as commands.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  BatchClient,
  DeregisterJobDefinitionCommand,
  DescribeJobsCommand,
  SubmitJobCommand,
  TerminateJobCommand,
} from '@aws-sdk/client-batch';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension';
import type { JobNode } from '../../src/models/jobsModel';
import type { FailedTaskNode, RunFailuresNode, RunNode, RunsViewNode } from '../../src/models/runs/runNodes';
import { ROLE_MANAGER, TAG_ROLE, TAG_RUN_ID, TAG_RUN_URI } from '../../src/shared/run';
import type { ShownNotice } from '../../src/views/runNotices';
import { registerBusyboxDefinition } from '../helpers/jobDefinitions';
import { newS3, RunFolders } from '../helpers/runFolders';

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

suite('Runs view (extension host)', function () {
  this.timeout(180000);
  let api: ExtensionApi;
  const suffix = `${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
  const s3 = newS3();
  const folders = new RunFolders(s3, `ui-runs-${suffix}/`);
  const batch = new BatchClient({});
  const ids: Record<string, string> = {};
  const notices: ShownNotice[] = [];
  let managerJobId: string | undefined;
  let rerunJobId: string | undefined;
  const definitions: string[] = [];
  const config = () => vscode.workspace.getConfiguration('awsBatch');

  /** A load that started after the caller's writes (one may be in flight already). */
  async function refresh(): Promise<void> {
    await api.services.runs.refresh();
    await api.services.runs.refresh();
  }

  async function row(runId: string): Promise<RunNode> {
    const roots = (await api.runsProvider.getChildren()) as RunNode[];
    const node = roots.find((candidate) => candidate.runId === runId);
    assert.ok(node, `run ${runId} is in the Runs view (${roots.length} rows)`);
    return node;
  }

  const item = (node: RunsViewNode) => api.runsProvider.getTreeItem(node);

  suiteSetup(async () => {
    api = await vscode.extensions.getExtension<ExtensionApi>('aws-batch-runner.aws-batch-runner')!.activate();
    api.runNotices.onDidNotify((notice) => notices.push(notice));
    ids.ok = await folders.succeeded('mc-ok');
    ids.failed = await folders.failed('mc-bad');
    ids.running = await folders.running('mc-live', 10, 2);
    await folders.progress(ids.running, 'mc-live', {
      total: 10,
      succeeded: 3,
      failed: 1,
      running: 2,
      workers: 2,
      connected: 2,
    });
    await config().update('runs.resultsLocations', [folders.location], vscode.ConfigurationTarget.Global);
  });

  suiteTeardown(async () => {
    api.services.confirm = async () => false;
    for (const jobId of [managerJobId, rerunJobId])
      if (jobId) await batch.send(new TerminateJobCommand({ jobId, reason: 'test cleanup' })).catch(() => undefined);
    for (const jobDefinition of definitions)
      await batch.send(new DeregisterJobDefinitionCommand({ jobDefinition })).catch(() => undefined);
    await folders.clean().catch(() => undefined);
    await config().update('runs.resultsLocations', undefined, vscode.ConfigurationTarget.Global);
    s3.destroy();
    batch.destroy();
  });

  test('runs are listed from the results location with state, progress and cost', async () => {
    await refresh();
    const ok = item(await row(ids.ok));
    assert.equal(ok.label, 'mc-ok');
    // The time tells runs of the same name apart.
    assert.match(String(ok.description), /^succeeded · 4\/4 · 12m 3s · 2\.0 vCPU-h · [A-Z][a-z]{2} \d{1,2} \d\d:\d\d$/);
    // summary.json says the mode: a row needs nothing else.
    assert.equal(ok.contextValue, 'run;state=succeeded;ended;tasks;s3;unwatched');
    assert.equal((ok.iconPath as vscode.ThemeIcon).id, 'pass');
    assert.match((ok.tooltip as vscode.MarkdownString).value, new RegExp(`Run: \`${folders.uri(ids.ok)}\``));
    assert.match(
      (ok.tooltip as vscode.MarkdownString).value,
      /Tasks: 4 of 4 done \(4 succeeded, 0 failed, 1 retried\)/,
    );

    const failed = item(await row(ids.failed));
    assert.match(String(failed.description), /^failed · 6\/6 · 2 failed · 1m 35s · 0\.1 vCPU-h · /);
    assert.equal(failed.contextValue, 'run;state=failed;ended;hasFailures;tasks;s3;unwatched');
    assert.equal((failed.iconPath as vscode.ThemeIcon).id, 'error');

    const live = item(await row(ids.running));
    assert.match(String(live.description), /^running · 4\/10 · 1 failed · 2\/2 workers · \d+m left · /);
    assert.equal(live.contextValue, 'run;state=running;active;tasks;s3;unwatched');
    assert.equal((live.iconPath as vscode.ThemeIcon).id, 'sync~spin');
    // Newest first.
    const order = ((await api.runsProvider.getChildren()) as RunNode[]).map((node) => node.runId);
    assert.ok(
      order.indexOf(ids.running) < order.indexOf(ids.failed) && order.indexOf(ids.failed) < order.indexOf(ids.ok),
    );
  });

  test('a failed run expands to its reason, failed tasks and their last lines, and results', async () => {
    const run = await row(ids.failed);
    await api.runsProvider.getChildren(run);
    await refresh();
    const children = await api.runsProvider.getChildren(run);
    assert.deepEqual(
      children.map((child) => [child.kind, String(item(child).label)]),
      [
        ['runInfo', '2 of 6 tasks failed'],
        ['runFailures', '2 failed tasks'],
        ['runResults', 'Results'],
      ],
    );
    const failures = children.find((child): child is RunFailuresNode => child.kind === 'runFailures')!;
    const tasks = (await api.runsProvider.getChildren(failures)) as FailedTaskNode[];
    assert.deepEqual(
      tasks.map((task) => [item(task).label, item(task).description]),
      [
        ['task 3', 'exit 1 · 2 attempts'],
        ['task 5', 'exit 137 · 2 attempts · killed (attempt 2 of 2)'],
      ],
    );
    const lines = await api.runsProvider.getChildren(tasks[0]);
    assert.deepEqual(
      lines.map((line) => item(line).label),
      ['loading input 3', 'Traceback (most recent call last):', 'ValueError: negative variance'],
    );
    assert.equal(api.runsProvider.getParent(tasks[0])?.id, failures.id, 'reveal can walk up');
    const results = children.find((child) => child.kind === 'runResults')!;
    assert.equal(item(results).command?.command, 'awsBatch.downloadResults');
  });

  test('a watched run that finishes gets exactly one notification', async () => {
    await vscode.commands.executeCommand('awsBatch.run.watch', { runUri: folders.uri(ids.running) });
    assert.ok(api.services.runs.isWatched(folders.uri(ids.running)));
    assert.match(String(item(await row(ids.running)).contextValue), /;watched$/);
    const before = notices.length;
    await folders.progress(ids.running, 'mc-live', {
      total: 10,
      succeeded: 8,
      failed: 1,
      running: 1,
      workers: 2,
      connected: 2,
    });
    await refresh();
    assert.match(String(item(await row(ids.running)).description), /^running · 9\/10 · 1 failed/);
    await folders.progress(
      ids.running,
      'mc-live',
      { total: 10, succeeded: 10, failed: 0, running: 0, workers: 2, connected: 0 },
      { state: 'succeeded' },
    );
    await folders.summary(ids.running, 'mc-live', 10);
    await waitFor('the finish notice', async () => {
      await refresh();
      return notices.length > before ? true : undefined;
    });
    await refresh();
    await refresh();
    const mine = notices.slice(before).filter((notice) => notice.runId === ids.running);
    assert.equal(mine.length, 1, 'one notice, not one per refresh');
    // The walkthrough's "watch the run" step completes on a watched run's end.
    assert.equal(api.services.walkthrough.lastEvent('watch'), `run ${ids.running} ended`);
    assert.equal(mine[0].severity, 'information');
    assert.match(mine[0].message, new RegExp(`^Run ${ids.running} succeeded: 10 tasks in \\d+m \\d+s\\.$`));
    assert.deepEqual(mine[0].actions, ['downloadResults']);
    assert.match(String(item(await row(ids.running)).description), /^succeeded · 10\/10/);
  });

  test('Copy Run URI puts the run URI on the clipboard', async () => {
    await vscode.env.clipboard.writeText('');
    await vscode.commands.executeCommand('awsBatch.run.copyUri', await row(ids.ok));
    assert.equal(await vscode.env.clipboard.readText(), folders.uri(ids.ok));
  });

  test('Open summary.json shows the run summary as a read-only JSON document', async () => {
    await vscode.commands.executeCommand('awsBatch.run.openSummaryJson', await row(ids.failed));
    const editor = await waitFor('the summary document', async () =>
      vscode.window.activeTextEditor?.document.uri.path.endsWith(`${ids.failed}/summary.json`)
        ? vscode.window.activeTextEditor
        : undefined,
    );
    assert.equal(editor.document.uri.scheme, 'aws-batch');
    assert.equal(JSON.parse(editor.document.getText()).reason, '2 of 6 tasks failed');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('Delete Run Data asks first, then removes every object of the run', async () => {
    const asked: string[] = [];
    api.services.confirm = async (message) => {
      asked.push(message);
      return false;
    };
    await vscode.commands.executeCommand('awsBatch.run.deleteData', await row(ids.ok));
    assert.deepEqual(asked, [`Delete all data of run ${ids.ok}?`]);
    assert.equal((await folders.keys(ids.ok)).length, 4, 'declined: nothing deleted');
    api.services.confirm = async (message) => {
      asked.push(message);
      return true;
    };
    const deleted = await vscode.commands.executeCommand('awsBatch.run.deleteData', await row(ids.ok));
    assert.equal(deleted, 4);
    assert.deepEqual(await folders.keys(ids.ok), []);
    await refresh();
    const roots = (await api.runsProvider.getChildren()) as RunNode[];
    assert.ok(!roots.some((node) => node.runId === ids.ok), 'the run left the view');
  });

  test('Re-run Failed Tasks submits a new run of the failed tasks, linked to its parent and watched', async () => {
    const definition = await registerBusyboxDefinition(batch, `ui-runs-rerun-${suffix}`, ['true']);
    definitions.push(definition);
    const parentUri = folders.uri(ids.failed);
    // The failed run's manager, as Submit would have tagged it; found by the Runs view's job search.
    const job = await batch.send(
      new SubmitJobCommand({
        jobName: ids.failed,
        jobQueue: 'research-queue',
        jobDefinition: definition,
        tags: { [TAG_RUN_ID]: ids.failed, [TAG_ROLE]: ROLE_MANAGER, [TAG_RUN_URI]: parentUri },
      }),
    );
    await api.services.runs.refresh(true);
    const parent = await row(ids.failed);
    assert.equal(parent.status.managerJobId, job.jobId);
    const submitted = (await vscode.commands.executeCommand('awsBatch.run.rerunFailed', parent)) as {
      runId: string;
      runUri: string;
      jobId: string;
    };
    assert.ok(submitted, 'Re-run returned the new run');
    rerunJobId = submitted.jobId;
    assert.match(submitted.runId, /^mc-bad-\d{8}-\d{6}-[0-9a-f]+$/);
    assert.equal(submitted.runUri, folders.uri(submitted.runId));
    const spec = JSON.parse(
      await (
        await api.services.runFiles()
      )
        .read(`${submitted.runUri}run.json`)
        .then((file) => (file.kind === 'found' ? file.text : '{}')),
    );
    assert.equal(spec.parentRunId, ids.failed);
    assert.deepEqual(spec.tasks.indexes, [3, 5]);
    assert.ok(api.services.runs.isWatched(submitted.runUri), 'the new run is watched');
    assert.ok(api.services.runs.get(submitted.runUri), 'and shown at once');
    // Following starts once the job is described: wait for it rather than race it.
    await waitFor('the log of the new run to be followed', async () =>
      api.services.logs.get(submitted.jobId) ? true : undefined,
    );
  });

  test('Cancel Run stops the manager job of a real run on moto and the run ends cancelled', async () => {
    const definition = await registerBusyboxDefinition(batch, `ui-runs-${suffix}`, ['sleep', '300']);
    definitions.push(definition);
    ids.cancel = await folders.running('mc-cancel', 8, 2);
    const runUri = folders.uri(ids.cancel);
    const job = await batch.send(
      new SubmitJobCommand({
        jobName: ids.cancel,
        jobQueue: 'research-queue',
        jobDefinition: definition,
        tags: { [TAG_RUN_ID]: ids.cancel, [TAG_ROLE]: ROLE_MANAGER, [TAG_RUN_URI]: runUri },
      }),
    );
    managerJobId = job.jobId!;
    const status = async () =>
      (await batch.send(new DescribeJobsCommand({ jobs: [managerJobId!] }))).jobs?.[0]?.status ?? 'missing';
    await waitFor('the manager job to run', async () => ((await status()) === 'RUNNING' ? true : undefined), 90000);
    await folders.progress(
      ids.cancel,
      'mc-cancel',
      { total: 8, succeeded: 1, failed: 0, running: 2, workers: 2, connected: 1 },
      { managerJobId },
    );
    await refresh();
    const run = await row(ids.cancel);
    assert.equal(run.status.state, 'running');
    assert.equal(run.status.managerJobId, managerJobId);
    assert.match(String(item(run).contextValue), /;active;.*;logs;/);

    const manager = (await api.runsProvider.getChildren(run)).find((child): child is JobNode => child.kind === 'job');
    assert.ok(manager, 'the manager job is a row of the run');
    assert.match(String(item(manager).contextValue), /^job;status=RUNNING;terminable;run;manager$/);

    const asked: string[] = [];
    api.services.confirm = async (message, detail) => {
      asked.push(`${message} ${detail}`);
      return true;
    };
    const result = (await vscode.commands.executeCommand('awsBatch.run.cancel', run)) as {
      stopped: number;
      stillAlive: string[];
    };
    assert.match(
      asked[0],
      new RegExp(`^Cancel run ${ids.cancel}\\? Its manager job and every worker job are stopped now`),
    );
    assert.ok(result, 'Cancel Run returned its result');
    assert.equal(result.stopped, 1);
    assert.deepEqual(result.stillAlive, []);
    assert.equal(await status(), 'FAILED');
    await refresh();
    const after = await row(ids.cancel);
    assert.equal(after.status.state, 'cancelled');
    assert.match(String(item(after).contextValue), /^run;state=cancelled;ended;(tasks;)?logs;s3;unwatched$/);
  });
});
