// Scale parts of task mode: inputs streamed from an inputs file (with tasks.indexes, retries that
// need an input again, a file shorter than its count), outputs spooled and written in index order,
// tasks and results in batches, and Submit naming inputs.jsonl for large runs.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRunConfig } from '../../../src/config/runConfig';
import { INLINE_INPUTS_MAX, buildRunSpec } from '../../../src/config/runSpec';
import { StreamedInputs, countInputs, openInputs } from '../../../src/runtime/manager/inputs';
import type { ConnectedWorker } from '../../../src/runtime/manager/listener';
import { ResultSpool } from '../../../src/runtime/manager/results';
import { TaskRun } from '../../../src/runtime/manager/taskRun';
import { asToManager, asToWorker } from '../../../src/runtime/protocol/messages';
import { parseRunSpec } from '../../../src/runtime/runSpec';
import type { RunStore } from '../../../src/runtime/store/store';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function memoryStore(files: Record<string, string> = {}): RunStore & { files: Map<string, string> } {
  const data = new Map(Object.entries(files));
  return {
    files: data,
    location: 'memory/',
    read: async (key) => (data.has(key) ? Buffer.from(data.get(key)!) : undefined),
    write: async (key, body) => void data.set(key, body.toString()),
    create: async (key, body) => (data.has(key) ? false : (data.set(key, body.toString()), true)),
    upload: async () => undefined,
    close: () => undefined,
  };
}

function fakeWorker(id: string) {
  let handlers: { onMessage(m: Record<string, unknown>): void; onClose(reason: string): void } | undefined;
  const frames: Record<string, unknown>[] = [];
  const peer = {
    remote: 'test',
    isOpen: true,
    setHandlers: (h: typeof handlers) => (handlers = h),
    send: (m: Record<string, unknown>) => void frames.push(m),
    close: (reason: string) => handlers?.onClose(reason),
    end: () => undefined,
  };
  const worker = { id, label: id, address: '127.0.0.1', peer } as unknown as ConnectedWorker;
  const tasks = () =>
    frames.flatMap((m) => (m.t === 'tasks' ? (m.tasks as Record<string, unknown>[]) : m.t === 'task' ? [m] : []));
  return { worker, frames, tasks, say: (m: Record<string, unknown>) => handlers!.onMessage(m) };
}

const ok = (index: number, attempt = 1, output?: string) => ({
  t: 'result',
  index,
  attempt,
  ok: true,
  exitCode: 0,
  signal: null,
  ms: 1,
  ...(output ? { output } : {}),
});

suite('runtime at scale: streamed inputs, spooled results, batches', () => {
  test('an inputs file: counted, streamed in order, one batch per want; a retry gets its input again', async () => {
    const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify({ n: i })).join('\n') + '\n\n';
    const store = memoryStore({ 'inputs.jsonl': lines });
    assert.equal(await countInputs(store, 'inputs.jsonl'), 10);
    const inputs = await StreamedInputs.open(store, 'inputs.jsonl', undefined);
    const run = new TaskRun(
      { command: ['x'], count: 10, inputsFile: 'inputs.jsonl', retries: 1 },
      () => undefined,
      () => undefined,
      1000,
      inputs,
    );
    inputs.onReady = () => run.inputsReady();
    const w = fakeWorker('w1');
    run.addWorker(w.worker);
    w.say({ t: 'want', n: 4 });
    await sleep(20);
    assert.equal(w.frames.length, 1, 'four tasks in one frame');
    assert.equal(w.frames[0].t, 'tasks');
    assert.deepEqual(
      w.tasks().map((t) => (t.input as { n: number }).n),
      [0, 1, 2, 3],
    );
    // Task 2 fails once: its input comes again with attempt 2, after the fresh ones.
    w.say({
      t: 'results',
      results: [ok(0, 1, '{"r":0}'), { ...ok(2), ok: false, exitCode: 1, reason: 'no' }],
      want: 2,
    });
    w.say({ t: 'results', results: [ok(1, 1, '{"r":1}'), ok(3, 1, '{"r":3}')], want: 8 });
    await sleep(20);
    const handed = w.tasks().map((t) => [t.index, t.attempt, (t.input as { n: number }).n]);
    assert.deepEqual(handed.slice(4), [
      [4, 1, 4],
      [5, 1, 5],
      [6, 1, 6],
      [7, 1, 7],
      [8, 1, 8],
      [9, 1, 9],
      [2, 2, 2],
    ]);
    w.say({
      t: 'results',
      results: [4, 5, 6, 7, 8, 9].map((i) => ok(i, 1, `{"r":${i}}`)).concat([ok(2, 2, '{"r":2}')]),
      want: 7,
    });
    assert.equal((await run.outcome).status, 'succeeded');
    await run.finish(store);
    const results = store.files
      .get('results.jsonl')!
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      results.map((r) => r.index),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.deepEqual(results[2], { index: 2, output: { r: 2 } });
  });

  test('tasks.indexes read only their lines; a file shorter than its count fails the missing tasks', async () => {
    const store = memoryStore({ 'in.jsonl': '"a"\n"b"\n"c"\n' });
    const wanted = new Set([1, 4]);
    const inputs = await StreamedInputs.open(store, 'in.jsonl', (i) => wanted.has(i));
    const run = new TaskRun(
      { command: ['x'], count: 5, inputsFile: 'in.jsonl', indexes: [1, 4] },
      () => undefined,
      () => undefined,
      1000,
      inputs,
    );
    inputs.onReady = () => run.inputsReady();
    const w = fakeWorker('w1');
    run.addWorker(w.worker);
    w.say({ t: 'want', n: 2 });
    await sleep(20);
    assert.deepEqual(
      w.tasks().map((t) => [t.index, t.input]),
      [[1, 'b']],
    );
    w.say(ok(1));
    const outcome = await run.outcome;
    assert.equal(outcome.status, 'failed');
    const summary = await run.finish(store);
    assert.deepEqual(
      summary.failures?.map((f) => [f.index, f.reason]),
      [[4, 'the inputs file has no line for this task']],
    );
  });

  test('the spool writes outputs in task order whatever order they came in; large results are uploaded', async () => {
    const spool = new ResultSpool(5);
    for (const p of [3, 0, 4]) spool.add(p, `{"p":${p}}`);
    spool.add(1, 'store');
    spool.add(3, '{"again":true}'); // a second result for a position is ignored
    let written = '';
    await spool.finish(
      (p) => p * 10,
      async (index) => (index === 10 ? '{"from":"store"}' : undefined),
      async (data) => void (written = data.toString()),
      async () => assert.fail('a small file is written at once'),
      () => undefined,
    );
    assert.equal(
      written,
      '{"index":0,"output":{"p":0}}\n{"index":10,"output":{"from":"store"}}\n{"index":30,"output":{"p":3}}\n{"index":40,"output":{"p":4}}\n',
    );
  });

  test('what reads an inputs file is freed once: at its end, on close, or when it cannot be opened', async () => {
    const store = memoryStore({ 'in.jsonl': '1\n2\n3\n' });
    let freed = 0;
    const read = await StreamedInputs.open(store, 'in.jsonl', undefined, () => freed++);
    await sleep(20);
    assert.equal(freed, 1, 'freed when the file has been read');
    read.close();
    assert.equal(freed, 1, 'and only once');

    // A file longer than the read-ahead: still being read when the run ends.
    const long = memoryStore({ 'in.jsonl': Array.from({ length: 10_000 }, (_, i) => String(i)).join('\n') });
    let freedLong = 0;
    const reading = await StreamedInputs.open(long, 'in.jsonl', undefined, () => freedLong++);
    await sleep(20);
    assert.equal(freedLong, 0, 'not freed while the file is still wanted');
    reading.close();
    assert.equal(freedLong, 1, 'freed on close');
    await sleep(20);
    assert.equal(freedLong, 1);

    let freedMissing = 0;
    await assert.rejects(
      StreamedInputs.open(store, 'absent.jsonl', undefined, () => freedMissing++),
      /the inputs file absent\.jsonl is not in memory\//,
    );
    assert.equal(freedMissing, 1, 'freed when the file is not there');
  });

  test('an inputs file at a URI of its own gets a store of its own; a key uses the run store', async () => {
    const store = memoryStore();
    assert.deepEqual(await openInputs(store, 'inputs.jsonl'), { store, key: 'inputs.jsonl', own: false });
    const dir = mkdtempSync(join(tmpdir(), 'inputs-'));
    try {
      const own = await openInputs(store, `${dir}/big.jsonl`);
      assert.equal(own.own, true);
      assert.equal(own.key, 'big.jsonl');
      assert.notEqual(own.store, store);
      own.store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('batch messages are shape-checked element by element', () => {
    const task = { t: 'task', index: 1, attempt: 1, command: ['x'] };
    assert.ok(asToWorker({ t: 'tasks', tasks: [task, { ...task, index: 2 }] }));
    assert.equal(asToWorker({ t: 'tasks', tasks: [task, { ...task, command: [] }] }), undefined);
    assert.equal(asToWorker({ t: 'tasks', tasks: [{ t: 'tasks', tasks: [] }] }), undefined);
    assert.ok(asToManager({ t: 'results', results: [ok(1)], want: 1 }));
    assert.equal(asToManager({ t: 'results', results: [{ ...ok(1), ms: 'x' }], want: 1 }), undefined);
    assert.equal(asToManager({ t: 'results', results: [ok(1)], want: -1 }), undefined);
  });

  test('Submit keeps small input sets in run.json and names inputs.jsonl (by URI) for large ones', () => {
    const config = parseRunConfig(
      JSON.stringify({
        name: 'mc',
        jobQueue: 'q',
        results: { bucket: 'bucket-1' },
        tasks: { command: ['x'], inputsFile: 'in.jsonl' },
      }),
      'f',
    );
    const small = buildRunSpec(config, 'r1', [1, 2]);
    assert.deepEqual(small.tasks?.inputs, [1, 2]);
    const many = Array.from({ length: INLINE_INPUTS_MAX + 1 }, (_, i) => ({ i }));
    const large = buildRunSpec(config, 'r2', many);
    assert.deepEqual(large.tasks, {
      command: ['x'],
      inputsFile: 's3://bucket-1/runs/r2/inputs.jsonl',
      count: INLINE_INPUTS_MAX + 1,
    });
    assert.deepEqual(parseRunSpec(JSON.parse(JSON.stringify(large))), large);
  });
});
