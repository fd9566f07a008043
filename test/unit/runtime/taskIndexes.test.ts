import * as assert from 'node:assert/strict';
import { fakeWorker } from './helpers/fakeWorker';
import { TaskRun } from '../../../src/runtime/manager/taskRun';
import { parseRunSpec, RunSpecError } from '../../../src/runtime/runSpec';
import type { RunStore } from '../../../src/runtime/store/store';

function memoryStore(): RunStore & { files: Map<string, string> } {
  const files = new Map<string, string>();
  return {
    files,
    location: 'memory',
    read: async (key) => (files.has(key) ? Buffer.from(files.get(key)!) : undefined),
    write: async (key, data) => void files.set(key, data.toString()),
    create: async (key, data) => (files.has(key) ? false : (files.set(key, data.toString()), true)),
    upload: async () => undefined,
    close: () => undefined,
  };
}

const result = (index: number, ok: boolean, extra: Record<string, unknown> = {}) => ({
  t: 'result',
  index,
  attempt: 1,
  ok,
  exitCode: ok ? 0 : 3,
  signal: null,
  ms: 5,
  ...extra,
});

suite('runtime: tasks.indexes (Re-run Failed Tasks)', () => {
  test('only the listed tasks run, each with its own index, input and failure record; results keep the indexes', async () => {
    const run = new TaskRun(
      { command: ['sim', '--seed', '${index}'], inputs: ['a', 'b', 'c', 'd', 'e'], indexes: [1, 3] },
      () => undefined,
      () => undefined,
      1000,
    );
    const w = fakeWorker('w1');
    run.addWorker(w.worker);
    w.say({ t: 'want', n: 5 });
    assert.deepEqual(
      w.sent.map((m) => [m.index, m.input, (m.command as string[]).join(' ')]),
      [
        [1, 'b', 'sim --seed 1'],
        [3, 'd', 'sim --seed 3'],
      ],
    );
    w.say(result(3, false, { reason: 'exit code 3' }));
    w.say(result(1, true, { output: '{"x":1}' }));
    assert.equal((await run.outcome).status, 'failed');
    const store = memoryStore();
    const summary = await run.finish(store);
    assert.deepEqual(summary.tasks, { total: 2, queued: 0, running: 0, succeeded: 1, failed: 1, retried: 0 });
    assert.deepEqual(
      summary.failures?.map((f) => f.index),
      [3],
    );
    assert.equal(store.files.get('results.jsonl'), '{"index":1,"output":{"x":1}}\n');
  });

  test('a result for a task outside the list is refused', () => {
    const run = new TaskRun(
      { command: ['x'], count: 5, indexes: [2] },
      () => undefined,
      () => undefined,
      1000,
    );
    const w = fakeWorker('w1');
    run.addWorker(w.worker);
    w.say({ t: 'want', n: 1 });
    w.say(result(0, true));
    assert.match(w.closed() ?? '', /task 0, which does not exist/);
  });

  test('run.json: indexes within count/inputs, distinct and increasing; parentRunId a run id', () => {
    const base = { name: 'r', runId: 'r-1', workers: 1 };
    const spec = parseRunSpec({ ...base, parentRunId: 'r-0', tasks: { command: ['x'], count: 5, indexes: [0, 4] } });
    assert.deepEqual(spec.tasks?.indexes, [0, 4]);
    assert.equal(spec.parentRunId, 'r-0');
    for (const [indexes, message] of [
      [[5], /tasks\.indexes\[0\] must be a whole number from 0 to 4/],
      [[2, 2], /distinct and in increasing order/],
      [[], /array of 1 to/],
    ] as const) {
      assert.throws(
        () => parseRunSpec({ ...base, tasks: { command: ['x'], count: 5, indexes } }),
        (e: unknown) => e instanceof RunSpecError && message.test(String(e)),
      );
    }
    assert.throws(
      () => parseRunSpec({ ...base, parentRunId: '../x', tasks: { command: ['x'], count: 1 } }),
      /parentRunId/,
    );
  });
});
