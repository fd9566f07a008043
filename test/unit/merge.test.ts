import * as assert from 'node:assert/strict';
import { MergeBuffer } from '../../src/logs/merge';

interface Item {
  timestamp: number;
  text: string;
}
const items = (...specs: [number, string][]): Item[] => specs.map(([timestamp, text]) => ({ timestamp, text }));
const texts = (list: Item[]) => list.map((item) => item.text);

suite('MergeBuffer', () => {
  test('a single source is released at once, in its own order', () => {
    const merge = new MergeBuffer<Item>(1000);
    merge.addSource('a');
    merge.push('a', items([5, 'a1'], [3, 'a2'], [9, 'a3']), 0);
    assert.deepEqual(texts(merge.take(0)), ['a1', 'a2', 'a3']);
  });

  test('holds events until every other source has been read to its end, then merges by time', () => {
    const merge = new MergeBuffer<Item>(1000);
    merge.addSource('a');
    merge.addSource('b');
    merge.push('a', items([10, 'a10'], [30, 'a30']), 100);
    merge.caughtUp('a', 100);
    assert.deepEqual(merge.take(100), [], 'b has not been read yet');
    merge.push('b', items([20, 'b20'], [40, 'b40']), 150);
    merge.caughtUp('b', 150);
    // b was read after a's events arrived, so a10 may go; a was read before b's arrived, so b20 waits,
    // and a30 behind it.
    assert.deepEqual(texts(merge.take(150)), ['a10']);
    merge.caughtUp('a', 200);
    assert.deepEqual(texts(merge.take(200)), ['b20', 'a30', 'b40']);
    assert.equal(merge.size, 0);
  });

  test('releases anyway after maxHoldMs, and a late event still comes out', () => {
    const merge = new MergeBuffer<Item>(500);
    merge.addSource('a');
    merge.addSource('slow');
    merge.push('a', items([10, 'a10']), 0);
    assert.equal(merge.nextDeadline(), 500);
    assert.deepEqual(merge.take(499), []);
    assert.deepEqual(texts(merge.take(500)), ['a10']);
    merge.push('slow', items([5, 'late5']), 600);
    merge.caughtUp('a', 601);
    assert.deepEqual(texts(merge.take(601)), ['late5']);
  });

  test('a closed source blocks nobody; its queued events still come out in order', () => {
    const merge = new MergeBuffer<Item>(10_000);
    merge.addSource('a');
    merge.addSource('b');
    merge.push('b', items([1, 'b1']), 0);
    merge.closeSource('b');
    merge.push('a', items([2, 'a2']), 0);
    assert.deepEqual(texts(merge.take(0)), [], 'a has not been read to its end yet');
    merge.caughtUp('a', 1);
    assert.deepEqual(texts(merge.take(1)), ['b1', 'a2']);
    merge.push('a', items([3, 'a3']), 2);
    assert.deepEqual(texts(merge.take(2)), ['a3'], 'the closed source b does not hold a back');
  });

  test('equal timestamps keep source registration order; take(all) empties the buffer', () => {
    const merge = new MergeBuffer<Item>(10_000);
    merge.addSource('m');
    merge.addSource('w');
    merge.push('w', items([7, 'w7']), 0);
    merge.push('m', items([7, 'm7']), 0);
    assert.deepEqual(texts(merge.take(0, true)), ['m7', 'w7']);
  });
});
