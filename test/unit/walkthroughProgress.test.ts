import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { WALKTHROUGH_STEPS, WalkthroughProgress } from '../../src/models/walkthroughProgress';
import { WALKTHROUGH_KEYS } from '../../src/ui/ids';

suite('walkthrough progress', () => {
  test('a step sets its context key once; the latest event is kept', () => {
    const set: [string, boolean][] = [];
    const progress = new WalkthroughProgress(WALKTHROUGH_KEYS, (key, value) => set.push([key, value]));
    assert.equal(progress.lastEvent('submit'), undefined);
    assert.equal(progress.complete('submit', 'run r-1 submitted'), true);
    assert.equal(progress.complete('submit', 'run r-2 submitted'), false);
    assert.deepEqual(set, [['awsBatch.walkthrough.runSubmitted', true]]);
    assert.equal(progress.lastEvent('submit'), 'run r-2 submitted');
    assert.equal(progress.lastEvent('download'), undefined);
    assert.deepEqual([progress.events('submit'), progress.events('download')], [2, 0]);
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
