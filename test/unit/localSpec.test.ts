// Run Locally's pure part: worker counts, smoke runs, run.json and the container specs.
import * as assert from 'node:assert/strict';
import { parseRunConfig } from '../../src/config/runConfig';
import { parseRunSpec } from '../../src/runtime/runSpec';
import {
  CONTAINER_RUN_DIR,
  LOCAL_LABELS,
  containerName,
  localContainerSpecs,
  localJobId,
  localRunSpec,
  localWorkerCount,
  networkName,
  resourceLimits,
  smokeIndexes,
} from '../../src/submit/localSpec';
import { isUserError } from '../../src/shared/errors';

function config(extra: object) {
  return parseRunConfig(JSON.stringify({ name: 'mc', jobQueue: 'q', results: { bucket: 'bucket-1' }, ...extra }), 'f');
}

const tasks = (count: number, extra: object = {}) =>
  config({ tasks: { command: ['python3', 'sim.py'], count }, ...extra });

function env(list: string[] | undefined): Record<string, string> {
  return Object.fromEntries(
    (list ?? []).map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
}

function userError(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => isUserError(error) && pattern.test((error as Error).message));
}

suite('Run Locally: worker count, smoke runs, run.json', () => {
  test('the default is min(workers of aws-batch.json, cores), and never more than the tasks', () => {
    assert.equal(localWorkerCount(tasks(100, { workers: 8 }), undefined, {}, 2), 2);
    assert.equal(localWorkerCount(tasks(100, { workers: 3 }), undefined, {}, 16), 3);
    assert.equal(localWorkerCount(tasks(100, { workers: { min: 2, max: 6 } }), undefined, {}, 4), 4);
    assert.equal(localWorkerCount(tasks(3, { workers: 8 }), undefined, {}, 16), 3);
    assert.equal(localWorkerCount(tasks(100, { workers: 8 }), undefined, { workers: 5 }, 2), 5, 'a choice wins');
    assert.equal(localWorkerCount(tasks(100, { workers: 8 }), undefined, { smoke: 1 }, 4), 1, 'one task, one worker');
    const inputs = config({ tasks: { command: ['x'], inputs: [1, 2] }, workers: 8 });
    assert.equal(localWorkerCount(inputs, [1, 2], {}, 8), 2);
    userError(() => localWorkerCount(tasks(4), undefined, { workers: 0 }, 2), /whole number of at least 1/);
    userError(() => localWorkerCount(tasks(4), undefined, { workers: 1.5 }, 2), /whole number of at least 1/);
  });

  test('cluster mode: the workers of aws-batch.json capped by cores, but at least minWorkers', () => {
    const cluster = (extra: object) => config({ cluster: { manager: ['m'], worker: ['w'], ...extra }, workers: 6 });
    assert.equal(localWorkerCount(cluster({}), undefined, {}, 2), 2);
    assert.equal(localWorkerCount(cluster({ minWorkers: 3 }), undefined, {}, 2), 3);
    userError(() => localWorkerCount(cluster({ minWorkers: 3 }), undefined, { workers: 2 }, 8), /at least 3 workers/);
  });

  test('a smoke run of K runs tasks 0..K-1 (all of them when K is larger); cluster runs have none', () => {
    assert.equal(smokeIndexes(tasks(6), undefined, undefined), undefined);
    assert.deepEqual(smokeIndexes(tasks(6), undefined, 2), [0, 1]);
    assert.deepEqual(smokeIndexes(tasks(3), undefined, 10), [0, 1, 2]);
    userError(() => smokeIndexes(tasks(3), undefined, 0), /at least 1/);
    userError(
      () => smokeIndexes(config({ cluster: { manager: ['m'], worker: ['w'] } }), undefined, 2),
      /needs "tasks"/,
    );
  });

  test('run.json is what Submit writes, with the local worker count and the smoke indexes, and the runtime accepts it', () => {
    const spec = localRunSpec(tasks(6, { workers: 8, environment: { SEED: '42' } }), 'mc-1', undefined, 2, 2);
    assert.deepEqual(spec, {
      name: 'mc',
      runId: 'mc-1',
      workers: 2,
      tasks: { command: ['python3', 'sim.py'], count: 6, indexes: [0, 1] },
      launchTimeoutSeconds: 900,
      environment: { SEED: '42' },
    });
    assert.deepEqual(parseRunSpec(JSON.parse(JSON.stringify(spec))).tasks?.indexes, [0, 1]);
    const inputs = localRunSpec(config({ tasks: { command: ['x'], inputs: ['a', 'b'] } }), 'mc-2', ['a', 'b'], 1);
    assert.deepEqual(inputs.tasks, { command: ['x'], inputs: ['a', 'b'] });
  });
});

suite('Run Locally: container specs', () => {
  const engine = { cpus: 4, gpus: false };
  const base = {
    runId: 'mc-20260304-050607-a1b2c3',
    runDir: '/home/me/ws/.batch-runner/runs/mc-20260304-050607-a1b2c3',
    image: 'batch-runner-local/mc:0123456789abcdef',
    node: '/opt/batch-runner/node',
    keepEntrypoint: true,
    runtimeMounts: [
      { source: '/cache/node/abc/node', target: '/opt/batch-runner/node' },
      { source: '/ext/dist/runtime.js', target: '/opt/batch-runner/runtime.js' },
    ],
    workers: 2,
    engine,
  };

  test('the manager: the runtime with --launcher none, reachable as "manager" on the run network at a fixed port', () => {
    const specs = localContainerSpecs({ ...base, config: tasks(6, { environment: { SEED: '42' } }) });
    const { manager } = specs;
    assert.equal(manager.name, 'batch-runner-mc-20260304-050607-a1b2c3-manager');
    assert.equal(manager.Image, base.image);
    assert.equal(manager.Entrypoint, undefined, "the image's entrypoint wraps the runtime, as on Batch");
    assert.deepEqual(manager.Cmd, [
      '/opt/batch-runner/node',
      '/opt/batch-runner/runtime.js',
      'manager',
      '--launcher',
      'none',
    ]);
    assert.deepEqual(env(manager.Env), {
      SEED: '42',
      AWS_BATCH_JOB_ID: 'local-mc-20260304-050607-a1b2c3',
      AWS_BATCH_JOB_ATTEMPT: '1',
      AWS_BATCH_JQ_NAME: 'local',
      AWS_BATCH_CE_NAME: 'local',
      BATCH_RUNNER_RUN_URI: CONTAINER_RUN_DIR,
      BATCH_RUNNER_PORT: '7878',
      BATCH_RUNNER_ADVERTISE_ADDRESS: 'manager',
      BATCH_RUNNER_BIND_ADDRESS: '0.0.0.0',
    });
    assert.deepEqual(manager.Labels, {
      [LOCAL_LABELS.runId]: base.runId,
      [LOCAL_LABELS.role]: 'manager',
      [LOCAL_LABELS.runDir]: base.runDir,
    });
    assert.deepEqual(manager.HostConfig?.Mounts, [
      { Type: 'bind', Source: base.runDir, Target: '/batch-runner/run' },
      { Type: 'bind', Source: '/cache/node/abc/node', Target: '/opt/batch-runner/node', ReadOnly: true },
      { Type: 'bind', Source: '/ext/dist/runtime.js', Target: '/opt/batch-runner/runtime.js', ReadOnly: true },
    ]);
    assert.equal(manager.HostConfig?.NetworkMode, networkName(base.runId));
    assert.equal(manager.HostConfig?.Init, true);
    assert.deepEqual(manager.NetworkingConfig?.EndpointsConfig?.[networkName(base.runId)], { Aliases: ['manager'] });
    assert.equal(manager.User, undefined);
    assert.deepEqual(specs.network.Labels, { [LOCAL_LABELS.runId]: base.runId, [LOCAL_LABELS.runDir]: base.runDir });
    assert.equal(specs.network.Name, `batch-runner-${base.runId}`);
  });

  test('an ENTRYPOINT that does not run its command is dropped in every container ([""]: none)', () => {
    const specs = localContainerSpecs({ ...base, keepEntrypoint: false, config: tasks(6) });
    for (const spec of [specs.manager, ...specs.workers]) assert.deepEqual(spec.Entrypoint, ['']);
  });

  test('each worker: its index, the array job id and index Batch would give, the manager address', () => {
    const { workers } = localContainerSpecs({ ...base, config: tasks(6), user: '1000:1000', environment: { X: 'y' } });
    assert.equal(workers.length, 2);
    const second = workers[1];
    assert.equal(second.name, containerName(base.runId, 'worker', 1));
    assert.deepEqual(second.Cmd, [
      '/opt/batch-runner/node',
      '/opt/batch-runner/runtime.js',
      'worker',
      '--manager',
      'manager:7878',
      '--index',
      '1',
    ]);
    const vars = env(second.Env);
    assert.equal(vars.AWS_BATCH_JOB_ID, localJobId(base.runId, 1));
    assert.equal(vars.AWS_BATCH_JOB_ID, 'local-mc-20260304-050607-a1b2c3-workers:1');
    assert.equal(vars.AWS_BATCH_JOB_ARRAY_INDEX, '1');
    assert.equal(vars.AWS_BATCH_JQ_NAME, 'local');
    assert.equal(vars.BATCH_RUNNER_RUN_URI, '/batch-runner/run');
    assert.equal(vars.BATCH_RUNNER_PORT, undefined, 'only the manager listens');
    assert.equal(vars.X, 'y');
    assert.equal(vars.HOME, '/tmp', 'a user with no home in the image gets a writable one');
    assert.equal(second.User, '1000:1000');
    assert.equal(second.Labels?.[LOCAL_LABELS.role], 'worker');
    assert.equal(second.Labels?.[LOCAL_LABELS.workerIndex], '1');
    assert.deepEqual(second.NetworkingConfig?.EndpointsConfig?.[networkName(base.runId)], {});
  });

  test('resources become Docker limits: CPUs (capped to the engine), memory in MiB, GPUs only with a GPU runtime', () => {
    const c = tasks(1, { resources: { vcpus: 2, memory: 512, gpus: 1 } });
    const plain = resourceLimits(c, engine);
    assert.deepEqual(plain.host, { NanoCpus: 2e9, Memory: 512 * 1024 * 1024 });
    assert.match(plain.notes.join('\n'), /resources.gpus \(1\) is ignored locally/);
    const gpu = resourceLimits(c, { cpus: 1, gpus: true });
    assert.equal(gpu.host.NanoCpus, 1e9);
    assert.deepEqual(gpu.host.DeviceRequests, [{ Driver: 'nvidia', Count: 1, Capabilities: [['gpu']] }]);
    assert.match(gpu.notes.join('\n'), /1 CPUs here \(resources.vcpus is 2; this engine has 1\)/);
    const fractional = resourceLimits(tasks(1, { resources: { vcpus: 0.25, memory: 2048 } }), engine);
    assert.deepEqual(fractional.host, { NanoCpus: 250_000_000, Memory: 2048 * 1024 * 1024 });
    assert.deepEqual(fractional.notes, []);
    const { manager } = localContainerSpecs({ ...base, config: c });
    assert.equal(manager.HostConfig?.Memory, 512 * 1024 * 1024, 'the manager has the limits of its job too');
  });
});
