import * as assert from 'node:assert/strict';
import { Poller } from '../../src/models/poller';
import { FakeClock } from './helpers/fakeClock';

suite('Poller', () => {
  test('ticks while started, never overlaps a slow tick, stops when told', async () => {
    const clock = new FakeClock();
    let running = 0;
    let maxRunning = 0;
    let ticks = 0;
    const poller = new Poller(
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        ticks++;
        await clock.sleep(30);
        running--;
      },
      5,
      clock,
    );
    poller.start();
    poller.start();
    await clock.advance(150);
    poller.stop();
    const atStop = ticks;
    assert.ok(atStop >= 2 && atStop <= 6, `ticks: ${atStop}`);
    assert.equal(maxRunning, 1);
    await clock.advance(60);
    assert.ok(ticks <= atStop + 1, 'at most the tick in flight finishes after stop');
  });

  test('a failing tick does not end polling; dispose is final', async () => {
    const clock = new FakeClock();
    let ticks = 0;
    const poller = new Poller(
      async () => {
        ticks++;
        throw new Error('boom');
      },
      5,
      clock,
    );
    poller.start();
    await clock.advance(60);
    assert.ok(ticks >= 2);
    poller.dispose();
    poller.start();
    assert.equal(poller.isRunning, false);
  });
});
