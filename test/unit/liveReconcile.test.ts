import * as assert from 'node:assert/strict';
import { LiveReconciler } from '../../src/logs/reconcile';

const event = (timestamp: number, message: string, ingestionTime = timestamp) => ({
  timestamp,
  message,
  ingestionTime,
});

suite('LiveReconciler', () => {
  test('whichever copy comes first is shown, the other is swallowed', () => {
    const r = new LiveReconciler(60_000);
    assert.equal(r.acceptLive(event(1, 'a'), 10), true);
    assert.equal(r.acceptCursor(event(1, 'a'), 20), false);
    assert.equal(r.acceptCursor(event(2, 'b'), 20), true);
    assert.equal(r.acceptLive(event(2, 'b'), 30), false);
    assert.deepEqual(r.pending, { live: 0, cursor: 0 });
  });

  test('identical lines in the same millisecond are counted, not merged', () => {
    const r = new LiveReconciler(60_000);
    assert.equal(r.acceptLive(event(5, 'tick'), 0), true);
    assert.equal(r.acceptCursor(event(5, 'tick'), 0), false);
    assert.equal(r.acceptCursor(event(5, 'tick'), 0), true, 'the second copy is a second line');
    assert.equal(r.acceptLive(event(5, 'tick'), 0), false);
  });

  test('old cursor events are not remembered, so a later identical line is not swallowed', () => {
    const r = new LiveReconciler(1000);
    assert.equal(r.acceptCursor(event(1, 'x', 1), 5000), true);
    assert.equal(r.pending.cursor, 0);
    assert.equal(r.acceptCursor(event(4900, 'y', 4900), 5000), true);
    r.prune(7000);
    assert.equal(r.pending.cursor, 0);
  });
});
