import * as assert from 'node:assert/strict';
import { RunSpecError, parseRunSpec, taskCommand, workerRange } from '../../../src/runtime/runSpec';

const base = { name: 'mc', runId: 'mc-20260101-abc' };

suite('runtime run.json', () => {
  test('a task run parses, with ${index} substituted in every argument', () => {
    const spec = parseRunSpec({
      ...base,
      workers: 4,
      tasks: { command: ['sim', '--seed', '${index}', 'out-${index}.csv'], count: 10, retries: 2 },
    });
    assert.deepEqual(taskCommand(spec.tasks!, 7), ['sim', '--seed', '7', 'out-7.csv']);
    assert.deepEqual(workerRange(spec), { min: 1, max: 4 });
  });

  test('worker ranges: a number is "up to" for tasks and "exactly" for a cluster', () => {
    const cluster = { manager: ['m'], worker: ['w'] };
    assert.deepEqual(workerRange(parseRunSpec({ ...base, workers: 3, cluster })), { min: 3, max: 3 });
    assert.deepEqual(workerRange(parseRunSpec({ ...base, workers: 3, cluster: { ...cluster, minWorkers: 2 } })), {
      min: 2,
      max: 3,
    });
    assert.deepEqual(
      workerRange(parseRunSpec({ ...base, workers: { min: 2, max: 8 }, tasks: { command: ['x'], count: 1 } })),
      { min: 2, max: 8 },
    );
  });

  test('problems are named', () => {
    const cases: [unknown, RegExp][] = [
      [null, /must be a JSON object/],
      [{ ...base, workers: 1 }, /exactly one of "tasks" or "cluster"/],
      [{ ...base, workers: 1, tasks: { command: ['x'] } }, /exactly one of "count" or "inputs"/],
      [{ ...base, workers: 1, tasks: { command: [], count: 1 } }, /tasks.command/],
      [{ ...base, workers: 1, tasks: { command: 'run.sh', count: 1 } }, /tasks.command/],
      [{ ...base, workers: 0, tasks: { command: ['x'], count: 1 } }, /workers must be a whole number from 1/],
      [{ ...base, workers: 20000, tasks: { command: ['x'], count: 1 } }, /10000/],
      [{ ...base, workers: { min: 3, max: 2 }, tasks: { command: ['x'], count: 1 } }, /workers.min/],
      [{ ...base, name: 'has space', workers: 1, tasks: { command: ['x'], count: 1 } }, /name/],
      [{ ...base, runId: '../etc', workers: 1, tasks: { command: ['x'], count: 1 } }, /runId/],
      [
        { ...base, workers: 1, tasks: { command: ['x'], count: 1, retires: 2 } },
        /tasks.retires is not a known setting/,
      ],
      [{ ...base, workers: 1, tasks: { command: ['x'], count: 1 }, environment: { A: 1 } }, /environment/],
      [{ ...base, workers: 2, cluster: { manager: ['m'], worker: ['w'], minWorkers: 3 } }, /minWorkers/],
      [{ ...base, workers: 1, tasks: { command: ['x'], inputs: ['x'.repeat(600 * 1024)] } }, /over 512 KiB/],
    ];
    for (const [value, message] of cases) {
      assert.throws(
        () => parseRunSpec(value),
        (e: unknown) => e instanceof RunSpecError && message.test(String(e)),
        JSON.stringify(value)?.slice(0, 80),
      );
    }
  });

  test('cluster.workerPort and cluster.ready', () => {
    const base = { name: 'c', runId: 'c-1', workers: 2 };
    const cluster = { manager: ['m'], worker: ['w'] };
    const spec = parseRunSpec({ ...base, cluster: { ...cluster, workerPort: 8786, ready: 'port' } });
    assert.deepEqual(spec.cluster, { ...cluster, workerPort: 8786, ready: 'port' });
    assert.equal(parseRunSpec({ ...base, cluster: { ...cluster, ready: 'file' } }).cluster?.ready, 'file');
    assert.throws(() => parseRunSpec({ ...base, cluster: { ...cluster, ready: 'port' } }), /needs cluster.workerPort/);
    assert.throws(
      () => parseRunSpec({ ...base, cluster: { ...cluster, ready: 'soon' } }),
      /"port", "file" or "spawned"/,
    );
    assert.throws(() => parseRunSpec({ ...base, cluster: { ...cluster, workerPort: 0 } }), /workerPort/);
  });
});
