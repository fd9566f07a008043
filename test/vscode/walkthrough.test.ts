// The first-hour pieces inside a real extension host: the walkthrough is contributed with a step per
// stage, each completing on its context key, and the product sets those keys on the real events.
// (Run Locally, Submit, a watched run's end and Download Results are checked in the suites that do
// them: runLocally, submit, runs and logs.) Set Up / Tear Down are registered commands.
import * as assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension';
import { WALKTHROUGH_KEYS } from '../../src/ui/ids';

async function waitFor<T>(what: string, probe: () => T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

suite('walkthrough and Set Up (extension host)', () => {
  const id = 'aws-batch-runner.aws-batch-runner';
  let api: ExtensionApi;

  suiteSetup(async () => {
    api = await vscode.extensions.getExtension<ExtensionApi>(id)!.activate();
  });

  test('the Get Started walkthrough is contributed, each step completing on its context key', () => {
    const extension = vscode.extensions.getExtension(id)!;
    const walkthroughs = extension.packageJSON.contributes.walkthroughs as {
      id: string;
      steps: { id: keyof typeof WALKTHROUGH_KEYS; completionEvents: string[] }[];
    }[];
    const steps = walkthroughs.find((w) => w.id === 'awsBatch.getStarted')!.steps;
    assert.deepEqual(
      steps.map((step) => step.id),
      ['credentials', 'setUp', 'configure', 'runLocally', 'submit', 'watch', 'download'],
    );
    for (const step of steps) assert.deepEqual(step.completionEvents, [`onContext:${WALKTHROUGH_KEYS[step.id]}`]);
  });

  test('a Batch call that works completes "credentials"; a listed queue completes "set up"', async () => {
    const before = api.services.walkthrough.events('credentials');
    const queuesBefore = api.services.walkthrough.events('setUp');
    api.services.queues.reset(); // as a profile change does: the list is loaded anew
    await api.services.queues.refresh();
    assert.equal(api.services.queues.state, 'ready', 'the stand-in has queues');
    assert.ok(api.services.walkthrough.events('credentials') > before, 'the DescribeJobQueues call counted');
    assert.equal(api.services.walkthrough.lastEvent('credentials'), 'a Batch call worked');
    assert.ok(api.services.walkthrough.events('setUp') > queuesBefore, 'the listed queues counted');
    assert.match(api.services.walkthrough.lastEvent('setUp') ?? '', /^queue \S+ exists$/);
  });

  test('an aws-batch.json appearing at the folder root completes "configure"', async function () {
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const file = join(folder, 'aws-batch.json');
    if (existsSync(file)) this.skip(); // another suite's file: not this test's event
    const before = api.services.walkthrough.events('configure');
    try {
      writeFileSync(file, JSON.stringify({ name: 'walkthrough-test', jobQueue: 'research-queue' }));
      await waitFor('the configure step', () =>
        api.services.walkthrough.events('configure') > before ? true : undefined,
      );
      assert.equal(api.services.walkthrough.lastEvent('configure'), `${file} exists`);
    } finally {
      rmSync(file, { force: true });
    }
  });

  test('Set Up and Tear Down are registered', async () => {
    const registered = await vscode.commands.getCommands(true);
    assert.ok(registered.includes('awsBatch.setUpBatch'));
    assert.ok(registered.includes('awsBatch.tearDownBatch'));
  });
});
