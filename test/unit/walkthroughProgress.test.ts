import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { WALKTHROUGH_STEPS, WalkthroughProgress, type WalkthroughStep } from '../../src/models/walkthroughProgress';
import { WALKTHROUGH_KEYS } from '../../src/ui/ids';

suite('walkthrough progress', () => {
  test('a step pulses its context key once (true, then false); the latest event is kept', async () => {
    const set: [string, boolean][] = [];
    const remembered: WalkthroughStep[][] = [];
    const progress = new WalkthroughProgress(WALKTHROUGH_KEYS, (key, value) => set.push([key, value]), {
      steps: [],
      remember: (steps) => remembered.push(steps),
    });
    assert.equal(progress.lastEvent('submit'), undefined);
    assert.equal(progress.complete('submit', 'run r-1 submitted'), true);
    assert.equal(progress.complete('submit', 'run r-2 submitted'), false);
    await Promise.resolve();
    assert.deepEqual(set, [
      ['awsBatch.walkthrough.runSubmitted', true],
      ['awsBatch.walkthrough.runSubmitted', false],
    ]);
    assert.deepEqual(remembered, [['submit']]);
    assert.equal(progress.lastEvent('submit'), 'run r-2 submitted');
    assert.equal(progress.lastEvent('download'), undefined);
    assert.deepEqual([progress.events('submit'), progress.events('download')], [2, 0]);
  });

  test('replay pulses every step that happened, in this window or a remembered earlier one', async () => {
    const set: [string, boolean][] = [];
    const progress = new WalkthroughProgress(WALKTHROUGH_KEYS, (key, value) => set.push([key, value]), {
      steps: ['configure'],
      remember: () => undefined,
    });
    progress.complete('download', 'run r-1 downloaded');
    await Promise.resolve();
    set.length = 0;
    await progress.replay();
    assert.deepEqual(set, [
      ['awsBatch.walkthrough.configExists', true],
      ['awsBatch.walkthrough.configExists', false],
      ['awsBatch.walkthrough.resultsDownloaded', true],
      ['awsBatch.walkthrough.resultsDownloaded', false],
    ]);
    assert.equal(progress.lastEvent('configure'), undefined, 'remembered, not an event of this window');
  });

  test("package.json's walkthrough has a step per WALKTHROUGH_STEPS entry, on its key", () => {
    const manifest = JSON.parse(readFileSync(resolve(__dirname, '../../../package.json'), 'utf8')) as {
      contributes: { walkthroughs: { steps: { id: string; completionEvents: string[] }[] }[] };
    };
    const steps = manifest.contributes.walkthroughs[0].steps;
    assert.deepEqual(
      steps.map((step) => step.id),
      [...WALKTHROUGH_STEPS],
    );
    for (const step of steps)
      assert.deepEqual(step.completionEvents, [
        `onContext:${WALKTHROUGH_KEYS[step.id as keyof typeof WALKTHROUGH_KEYS]}`,
      ]);
  });
});
