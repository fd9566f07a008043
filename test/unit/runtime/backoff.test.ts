import * as assert from 'node:assert/strict';
import { isThrottle, withBackoff } from '../../../src/runtime/backoff';

function throttled() {
  return Object.assign(new Error('Too Many Requests'), {
    name: 'TooManyRequestsException',
    $metadata: { httpStatusCode: 429 },
  });
}

suite('runtime backoff', () => {
  test('throttled calls are retried with growing waits, then succeed', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withBackoff(
      async () => {
        if (++calls <= 3) throw throttled();
        return 'job-1';
      },
      { what: 'SubmitJob', baseMs: 100, sleep: async (ms) => void waits.push(ms) },
    );
    assert.equal(result, 'job-1');
    assert.equal(calls, 4);
    assert.equal(waits.length, 3);
    waits.forEach((ms, i) => assert.ok(ms >= 0 && ms <= 100 * 2 ** i, `wait ${i} was ${ms}`));
  });

  test('other errors are not retried; throttling gives up after the attempt limit', async () => {
    let calls = 0;
    await assert.rejects(
      withBackoff(
        async () => {
          calls++;
          throw new Error('ClientException');
        },
        { what: 'x', sleep: async () => undefined },
      ),
      /ClientException/,
    );
    assert.equal(calls, 1);
    calls = 0;
    await assert.rejects(
      withBackoff(
        async () => {
          calls++;
          throw throttled();
        },
        { what: 'x', attempts: 4, sleep: async () => undefined },
      ),
      /Too Many Requests/,
    );
    assert.equal(calls, 4);
    assert.ok(isThrottle({ name: 'ThrottlingException' }));
    assert.ok(!isThrottle(new Error('x')));
  });
});
