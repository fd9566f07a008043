import * as assert from 'node:assert/strict';
import { ProgressWriter } from '../../../src/runtime/manager/progress';
import type { RunStore } from '../../../src/runtime/store/store';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function memoryStore() {
  const writes: { key: string; body: Record<string, unknown> }[] = [];
  const store: RunStore = {
    location: 'memory',
    read: async () => undefined,
    write: async (key, data) => void writes.push({ key, body: JSON.parse(String(data)) }),
    create: async () => true,
    upload: async () => undefined,
    close: () => undefined,
  };
  return { store, writes };
}

suite('runtime progress.json writer', () => {
  test('many changes in a burst become few writes, and the last state always lands', async () => {
    const { store, writes } = memoryStore();
    let done = 0;
    const writer = new ProgressWriter(
      store,
      100,
      () => ({ done }),
      () => undefined,
    );
    for (let i = 0; i < 500; i++) {
      done++;
      writer.changed();
      if (i % 50 === 0) await sleep(5);
    }
    await sleep(250);
    assert.ok(writes.length >= 1 && writes.length <= 3, `${writes.length} writes for 500 changes in ~60 ms`);
    assert.equal(writes.at(-1)!.body.done, 500, 'the throttled write carries the latest state');
    await writer.flush({ state: 'succeeded' });
    assert.deepEqual(
      [writes.at(-1)!.key, writes.at(-1)!.body.state, writes.at(-1)!.body.done],
      ['progress.json', 'succeeded', 500],
    );
  });
});
