import * as assert from 'node:assert/strict';
import { StreamCursor } from '../../src/logs/streamCursor';
import { awsError, FakeLogs, networkError } from './helpers/fakeLogs';

const G = '/aws/batch/job';

suite('StreamCursor', () => {
  test('reads every event once across pages, and knows when it is at the end', async () => {
    const logs = new FakeLogs();
    logs.put('s', ['1', '2', '3', '4', '5']);
    const cursor = new StreamCursor(logs, G, 's', 2);
    const seen: string[] = [];
    const first = await cursor.read();
    seen.push(...first.events.map((e) => e.message));
    assert.equal(first.caughtUp, false);
    assert.equal(first.partial, false, 'a full page');
    let result;
    do {
      result = await cursor.read();
      seen.push(...result.events.map((e) => e.message));
    } while (!result.caughtUp);
    assert.deepEqual(seen, ['1', '2', '3', '4', '5']);
    logs.put('s', ['6']);
    const more = await cursor.read();
    assert.deepEqual(
      more.events.map((e) => e.message),
      ['6'],
    );
    assert.equal(cursor.count, 6);
  });

  test('a failed read moves nothing: the retry returns the same events, once', async () => {
    const logs = new FakeLogs();
    logs.put('s', ['a', 'b']);
    const cursor = new StreamCursor(logs, G, 's');
    await cursor.read();
    logs.put('s', ['c']);
    logs.failures.push(networkError(), awsError('ThrottlingException', 'Rate exceeded'));
    await assert.rejects(cursor.read(), /ECONNREFUSED/);
    await assert.rejects(cursor.read(), { name: 'ThrottlingException' });
    const retried = await cursor.read();
    assert.deepEqual(
      retried.events.map((e) => e.message),
      ['c'],
    );
    assert.equal((await cursor.read()).events.length, 0);
  });

  test('a stream that does not exist yet reads as missing, then is read from its start', async () => {
    const logs = new FakeLogs();
    const cursor = new StreamCursor(logs, G, 'later');
    assert.equal((await cursor.read()).missing, true);
    logs.put('later', ['hello']);
    const result = await cursor.read();
    assert.equal(result.missing, false);
    assert.deepEqual(
      result.events.map((e) => e.message),
      ['hello'],
    );
  });

  test('a stale token is replaced by a read from the last timestamp, without repeating its events', async () => {
    const logs = new FakeLogs();
    const stream = [
      { timestamp: 1000, message: 'x' },
      { timestamp: 2000, message: 'same' },
      { timestamp: 2000, message: 'same' },
    ];
    logs.streams.set('s', stream);
    const cursor = new StreamCursor(logs, G, 's');
    assert.equal((await cursor.read()).events.length, 3);
    // A third identical line at 2000 arrives late, then a new one; the token has expired meanwhile.
    stream.push({ timestamp: 2000, message: 'same' }, { timestamp: 3000, message: 'after' });
    logs.expireTokensOf = 's';
    const result = await cursor.read();
    assert.deepEqual(
      result.events.map((e) => `${e.timestamp} ${e.message}`),
      ['2000 same', '3000 after'],
    );
    assert.equal((await cursor.read()).caughtUp, true);
  });
});
