import * as assert from 'node:assert/strict';
import { RateLimiter } from '../../src/logs/rateLimiter';
import { FakeClock } from './helpers/fakeClock';

suite('RateLimiter', () => {
  test('grants first come, first served, evenly spaced at the rate', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ ratePerSecond: 4, clock });
    const granted: [number, number][] = [];
    for (let i = 0; i < 9; i++) void limiter.acquire().then(() => granted.push([i, clock.now()]));
    await clock.advance(0);
    await clock.advance(2000);
    assert.deepEqual(
      granted.map(([i]) => i),
      [0, 1, 2, 3, 4, 5, 6, 7, 8],
    );
    assert.deepEqual(
      granted.map(([, t]) => t),
      [0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000],
    );
    // Never more than 4 grants in any one-second window.
    for (const [, t] of granted) assert.ok(granted.filter(([, u]) => u >= t && u < t + 1000).length <= 4);
  });

  test('throttling halves the rate and pauses a second; the rate creeps back', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ ratePerSecond: 4, clock, recoverStepMs: 1000 });
    await limiter.acquire();
    limiter.throttled();
    limiter.throttled(); // answers to requests already on their way: one slow-down
    assert.equal(limiter.currentRate, 2);
    const times: number[] = [];
    for (let i = 0; i < 3; i++) void limiter.acquire().then(() => times.push(clock.now()));
    await clock.advance(3000);
    assert.deepEqual(times, [1000, 1500, 2000]);
    await clock.advance(5000);
    await limiter.acquire();
    assert.equal(limiter.currentRate, 4);
    assert.deepEqual(limiter.stats, { granted: 5, throttled: 2 });
  });

  test('an aborted wait rejects and does not hold up the others', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ ratePerSecond: 1, clock });
    await limiter.acquire();
    const controller = new AbortController();
    const aborted = limiter.acquire(controller.signal);
    controller.abort();
    await assert.rejects(aborted, { name: 'AbortError' });
    let later = false;
    void limiter.acquire().then(() => (later = true));
    await clock.advance(2000);
    assert.equal(later, true);
  });

  test('refuses a rate that is not positive', () => {
    assert.throws(() => new RateLimiter({ ratePerSecond: 0 }), RangeError);
  });
});
