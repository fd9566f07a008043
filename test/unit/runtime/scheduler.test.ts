import * as assert from 'node:assert/strict';
import { MAX_LOST_WORKERS_PER_TASK, Scheduler } from '../../../src/runtime/manager/scheduler';

suite('runtime scheduler', () => {
  test('hands out tasks in index order and finishes when all succeeded', () => {
    const s = new Scheduler(3, 1);
    const a = s.assign('w1')!;
    const b = s.assign('w2')!;
    const c = s.assign('w1')!;
    assert.deepEqual([a.index, b.index, c.index], [0, 1, 2]);
    assert.equal(s.assign('w2'), undefined);
    assert.deepEqual(s.counts(), { total: 3, queued: 0, running: 3, succeeded: 0, failed: 0, retried: 0 });
    assert.equal(s.runningOn('w1'), 2);
    for (const x of [a, b, c]) assert.equal(s.complete(x.worker, x.index, x.attempt, true), 'succeeded');
    assert.ok(s.finished);
    assert.equal(s.counts().succeeded, 3);
  });

  test('a failed attempt is retried until the limit, then failed with its reason', () => {
    const s = new Scheduler(1, 3); // retries: 2
    for (let attempt = 1; attempt <= 2; attempt++) {
      const a = s.assign('w')!;
      assert.equal(a.attempt, attempt);
      assert.equal(s.complete('w', 0, attempt, false, 'exit code 1'), 'retrying');
    }
    const last = s.assign('w')!;
    const detail = { exitCode: 1, tail: ['reading input', 'boom'] };
    assert.equal(s.complete('w', 0, last.attempt, false, 'exit code 1: boom', detail), 'failed');
    assert.ok(s.finished);
    assert.deepEqual(s.failures(), [
      {
        index: 0,
        attempts: 3,
        exitCode: 1,
        reason: 'exit code 1: boom (attempt 3 of 3)',
        tail: ['reading input', 'boom'],
      },
    ]);
    assert.equal(s.counts().retried, 2);
  });

  test('fails twice then succeeds: recorded once as succeeded', () => {
    const s = new Scheduler(1, 3);
    s.complete('w', 0, s.assign('w')!.attempt, false);
    s.complete('w', 0, s.assign('w')!.attempt, false);
    assert.equal(s.complete('w', 0, s.assign('w')!.attempt, true), 'succeeded');
    assert.deepEqual(s.counts(), { total: 1, queued: 0, running: 0, succeeded: 1, failed: 0, retried: 2 });
    assert.deepEqual(s.failures(), []);
  });

  test("a lost worker's tasks go back to the queue and its late results are ignored", () => {
    const s = new Scheduler(3, 1);
    const a = s.assign('w1')!;
    const b = s.assign('w1')!;
    s.assign('w2');
    const { requeued, failed } = s.workerLost('w1');
    assert.deepEqual([requeued, failed], [[0, 1], []]);
    assert.equal(s.counts().queued, 2);
    assert.equal(s.runningOn('w1'), 0);
    // The lost worker's result arrives after all (it was only cut off): not recorded.
    assert.equal(s.complete('w1', a.index, a.attempt, true), 'stale');
    const again = s.assign('w3')!;
    assert.equal(again.index, 0);
    assert.equal(again.attempt, 2);
    assert.equal(s.complete('w3', 0, 1, true), 'stale', 'a result for an old attempt does not count');
    assert.equal(s.complete('w2', 0, 2, true), 'stale', 'a result from the wrong worker does not count');
    assert.equal(s.complete('w3', 0, 2, true), 'succeeded');
    assert.equal(s.complete('w3', 0, 2, true), 'stale', 'a duplicate result does not count twice');
    assert.equal(s.counts().succeeded, 1);
    assert.equal(b.index, 1);
  });

  test(`a task that loses ${MAX_LOST_WORKERS_PER_TASK} workers is failed instead of handed on`, () => {
    const s = new Scheduler(1, 5);
    for (let i = 1; i < MAX_LOST_WORKERS_PER_TASK; i++) {
      s.assign(`w${i}`);
      assert.deepEqual(s.workerLost(`w${i}`).requeued, [0]);
    }
    s.assign('last');
    assert.deepEqual(s.workerLost('last').failed, [0]);
    assert.ok(s.finished);
    assert.match(s.failures()[0].reason, /crash its worker/);
    assert.equal(s.failures()[0].exitCode, null, 'a lost attempt has no exit code');
    assert.equal(s.failures()[0].tail, undefined);
  });

  test('failures lists the first ones by index, up to the limit', () => {
    const s = new Scheduler(150, 1);
    for (let i = 0; i < 150; i++) s.assign('w');
    // They fail in reverse order; the list is by index.
    for (let i = 149; i >= 0; i--) s.complete('w', i, 1, false, `exit code ${i % 7}`, { exitCode: i % 7 });
    const listed = s.failures(100);
    assert.equal(listed.length, 100);
    assert.deepEqual(
      listed.map((f) => f.index),
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.deepEqual(listed[9], { index: 9, attempts: 1, exitCode: 2, reason: 'exit code 2 (attempt 1 of 1)' });
  });

  test('overdue lists assignments older than the limit', () => {
    const s = new Scheduler(2, 1);
    s.assign('w', 1000);
    s.assign('w', 5000);
    assert.deepEqual(
      s.overdue(3000, 6000).map((a) => a.index),
      [0],
    );
  });

  test('the queue stays correct over many hand-outs (compaction)', () => {
    const n = 20_000;
    const s = new Scheduler(n, 2);
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) {
      const a = s.assign('w')!;
      seen.add(a.index);
      // every tenth task fails once and comes back at the end of the queue
      s.complete('w', a.index, a.attempt, a.index % 10 !== 0 || a.attempt > 1);
    }
    while (s.hasQueued) {
      const a = s.assign('w')!;
      s.complete('w', a.index, a.attempt, true);
    }
    assert.equal(seen.size, n);
    assert.ok(s.finished);
    assert.deepEqual(s.counts(), { total: n, queued: 0, running: 0, succeeded: n, failed: 0, retried: n / 10 });
  });
});
