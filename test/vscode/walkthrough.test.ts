// The first-hour pieces inside a real extension host: the walkthrough is contributed with a step per
// stage, and Set Up / Tear Down are registered commands.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

suite('walkthrough and Set Up (extension host)', () => {
  const id = 'aws-batch-runner.aws-batch-runner';

  test('the Get Started walkthrough is contributed, its steps complete on events', async () => {
    const extension = vscode.extensions.getExtension(id)!;
    await extension.activate();
    const walkthroughs = extension.packageJSON.contributes.walkthroughs as {
      id: string;
      steps: { id: string; completionEvents: string[] }[];
    }[];
    const steps = walkthroughs.find((w) => w.id === 'awsBatch.getStarted')!.steps;
    assert.deepEqual(
      steps.map((step) => step.id),
      ['credentials', 'setUp', 'configure', 'runLocally', 'submit', 'watch', 'download'],
    );
    assert.ok(steps.every((step) => step.completionEvents.length > 0));
  });

  test('Set Up and Tear Down are registered', async () => {
    const registered = await vscode.commands.getCommands(true);
    assert.ok(registered.includes('awsBatch.setUpBatch'));
    assert.ok(registered.includes('awsBatch.tearDownBatch'));
  });
});
