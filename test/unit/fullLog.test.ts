import * as assert from 'node:assert/strict';
import { FullLog } from '../../src/logs/fullLog';
import { FakeLogs } from './helpers/fakeLogs';

const G = '/aws/batch/job';

suite('FullLog', () => {
  test('shows the newest page, then older pages on demand, until the whole stream is there', async () => {
    const logs = new FakeLogs();
    logs.streams.set(
      's',
      Array.from({ length: 25 }, (_, i) => ({ timestamp: 1000 + i, message: `line ${i}` })),
    );
    const log = new FullLog(logs, [{ logGroupName: G, logStreamName: 's' }], 10);
    await log.load();
    assert.equal(log.hasOlder, true);
    assert.deepEqual(
      log.visible().map((v) => v.event.message),
      Array.from({ length: 10 }, (_, i) => `line ${15 + i}`),
    );
    assert.match(log.render().split('\n')[0], /older events not loaded/);
    await log.loadOlder();
    await log.loadOlder();
    assert.equal(log.visible().length, 25);
    await log.loadOlder();
    assert.equal(log.hasOlder, false);
    assert.equal(log.visible().length, 25);
    assert.doesNotMatch(log.render(), /older events/);
    assert.match(log.render().split('\n')[0], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} line 0$/);
  });

  test('a short stream is complete after the first load', async () => {
    const logs = new FakeLogs();
    logs.put('s', ['only']);
    const log = new FullLog(logs, [{ logGroupName: G, logStreamName: 's' }], 10);
    await log.load();
    assert.equal(log.hasOlder, false);
    assert.equal(log.visible().length, 1);
  });

  test('several streams: merged by time, only from the instant where every stream is complete', async () => {
    const logs = new FakeLogs();
    // A chatty manager (one event per ms) and a quiet worker (one event per 10 ms).
    logs.streams.set(
      'm',
      Array.from({ length: 30 }, (_, i) => ({ timestamp: i, message: `m${i}` })),
    );
    logs.streams.set(
      'w',
      Array.from({ length: 3 }, (_, i) => ({ timestamp: i * 10 + 5, message: `w${i * 10 + 5}` })),
    );
    const log = new FullLog(
      logs,
      [
        { label: 'manager', logGroupName: G, logStreamName: 'm' },
        { label: 'worker 0', logGroupName: G, logStreamName: 'w' },
        { label: 'worker 1', logGroupName: G, logStreamName: 'gone' },
      ],
      10,
    );
    await log.load();
    // m holds 20..29; w is complete; so only events from 20 on are shown, w25 among them.
    assert.deepEqual(
      log.visible().map((v) => v.event.message),
      ['m20', 'm21', 'm22', 'm23', 'm24', 'm25', 'w25', 'm26', 'm27', 'm28', 'm29'],
    );
    assert.match(log.render(), /\(log stream gone does not exist\)/);
    assert.match(log.render(), /\[worker 0\] w25/);
    await log.loadOlder();
    await log.loadOlder();
    await log.loadOlder();
    assert.equal(log.hasOlder, false);
    assert.equal(log.visible().length, 33);
  });
});
