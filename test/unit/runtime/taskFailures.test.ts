import * as assert from 'node:assert/strict';
import { fakeWorker } from './helpers/fakeWorker';
import { TaskRun } from '../../../src/runtime/manager/taskRun';
import { TAIL_MAX_BYTES, TAIL_MAX_LINES, asToManager } from '../../../src/runtime/protocol/messages';
import { LineTail, cutToBytes } from '../../../src/runtime/worker/lines';

const failed = (index: number, attempt: number, extra: Record<string, unknown>) => ({
  t: 'result',
  index,
  attempt,
  ok: false,
  exitCode: 3,
  signal: null,
  ms: 5,
  ...extra,
});

suite('runtime task failures (exit code, output tail)', () => {
  test('a failed task is listed with its last exit code, a one-line reason and the tail of its last attempt', () => {
    const run = new TaskRun(
      { command: ['x'], count: 3, retries: 1 },
      () => undefined,
      () => undefined,
      1000,
    );
    const w = fakeWorker('w1');
    run.addWorker(w.worker);
    w.say({ t: 'want', n: 3 });
    assert.deepEqual(
      w.sent.map((m) => [m.index, m.attempt]),
      [
        [0, 1],
        [1, 1],
        [2, 1],
      ],
    );
    w.say(failed(0, 1, { reason: 'exit code 3: first', tail: ['first'] }));
    assert.deepEqual(run.report().failures, [], 'a failed attempt that is retried is not a failure yet');
    w.say({ t: 'want', n: 1 });
    w.say(
      failed(0, 2, {
        exitCode: 4,
        reason: 'exit code 4:\n  cannot parse\r\n input',
        tail: ['reading', 'cannot parse'],
      }),
    );
    w.say({ ...failed(1, 1, { reason: 'killed by SIGKILL' }), exitCode: null, signal: 'SIGKILL' });
    assert.deepEqual(run.report().failures, [
      {
        index: 0,
        attempts: 2,
        exitCode: 4,
        reason: 'exit code 4: cannot parse input (attempt 2 of 2)',
        tail: ['reading', 'cannot parse'],
      },
    ]);
    assert.equal(run.report().tasks?.failed, 1);
    assert.equal(run.report().tasks?.retried, 2, 'task 0 once, task 1 once');
    assert.equal(w.closed(), undefined);
  });

  test('a result whose tail breaks the bounds is refused, and its worker dropped', () => {
    const run = new TaskRun(
      { command: ['x'], count: 1 },
      () => undefined,
      () => undefined,
      1000,
    );
    const w = fakeWorker('w1');
    run.addWorker(w.worker);
    w.say({ t: 'want', n: 1 });
    w.say(failed(0, 1, { tail: Array.from({ length: TAIL_MAX_LINES + 1 }, () => 'x') }));
    assert.match(String(w.closed()), /unexpected message/);
    assert.deepEqual(run.report().failures, []);
  });

  test('the tail check: at most 20 strings of at most 2 KB in all', () => {
    const ok = (tail: unknown) => asToManager(failed(0, 1, { tail })) !== undefined;
    assert.ok(ok([]));
    assert.ok(ok(Array.from({ length: TAIL_MAX_LINES }, () => 'line')));
    assert.ok(ok(['é'.repeat(TAIL_MAX_BYTES / 2)]));
    assert.ok(!ok(Array.from({ length: TAIL_MAX_LINES + 1 }, () => 'line')));
    assert.ok(!ok(['x'.repeat(TAIL_MAX_BYTES + 1)]));
    assert.ok(!ok(['x'.repeat(1500), 'y'.repeat(1000)]), 'more than 2 KB in all');
    assert.ok(!ok(['é'.repeat(TAIL_MAX_BYTES / 2 + 1)]), 'counted in UTF-8 bytes');
    assert.ok(!ok([1, 'x']));
    assert.ok(!ok('x'));
    assert.ok(!ok({ length: 1, 0: 'x' }));
  });

  test('LineTail keeps the last 20 lines and at most 2 KB, whole characters', () => {
    const tail = new LineTail();
    for (let i = 0; i < 50; i++) tail.add(`line ${i}\r`);
    assert.deepEqual(
      tail.lines(),
      Array.from({ length: 20 }, (_, i) => `line ${i + 30}`),
    );
    tail.add('€'.repeat(1000)); // 3000 bytes: cut to fit alone
    const lines = tail.lines();
    assert.equal(lines.length, 1);
    assert.ok(Buffer.byteLength(lines[0]) <= TAIL_MAX_BYTES && Buffer.byteLength(lines[0]) > TAIL_MAX_BYTES - 3);
    assert.ok(!lines[0].includes('\uFFFD'), 'no character cut in half');
    for (let i = 0; i < 30; i++) tail.add('x'.repeat(100));
    assert.equal(tail.lines().length, 20);
    assert.ok(asToManager(failed(0, 1, { tail: tail.lines() })), 'what a worker keeps passes the check');
    tail.add('last words');
    tail.add('   ');
    assert.equal(tail.last(), 'last words');
    assert.equal(cutToBytes('aé', 2), 'a');
  });
});
