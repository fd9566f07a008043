import * as assert from 'node:assert/strict';
import type { BatchClient, JobDetail } from '@aws-sdk/client-batch';
import { BatchLauncher, jobResources } from '../../../src/runtime/launch/batchLauncher';

interface Call {
  command: string;
  input: Record<string, unknown>;
}

/** A stand-in for the Batch client: answers by command name, records every call. */
function fakeBatch(answer: (call: Call, calls: Call[]) => unknown) {
  const calls: Call[] = [];
  const client = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      const call = { command: command.constructor.name.replace(/Command$/, ''), input: command.input };
      calls.push(call);
      return answer(call, calls);
    },
  };
  return { client: client as unknown as BatchClient, calls };
}

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });

const manager = {
  jobId: 'mgr-1',
  jobName: 'n'.repeat(125),
  jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/research-queue',
  jobDefinition: 'arn:aws:batch:us-east-1:123456789012:job-definition/mc:3',
  shareIdentifier: 'teamA',
  schedulingPriority: 7,
};

function launcher(client: BatchClient, sleeps: number[] = []) {
  return new BatchLauncher({
    batch: client,
    managerJobId: 'mgr-1',
    runId: 'run-9',
    storeUri: 's3://bucket/runs/run-9/',
    runtime: ['/usr/local/bin/node', '/opt/batch-runner/runtime.js'],
    log: () => undefined,
    env: { BATCH_RUNNER_HEARTBEAT_SECONDS: '2', BATCH_RUNNER_PORT: '7000', BATCH_RUNNER_RUN_URI: 'x', HOME: '/root' },
    sleep: async (ms) => void sleeps.push(ms),
  });
}

suite('runtime Batch launcher (fake Batch API)', () => {
  test("one array job on the manager's queue and definition, tagged, named, command overridden; throttling backed off", async () => {
    let submits = 0;
    const { client, calls } = fakeBatch((call) => {
      if (call.command === 'DescribeJobs') return { jobs: [manager] };
      if (call.command === 'SubmitJob') {
        if (++submits <= 2) throw throttled();
        return { jobId: 'arr-1' };
      }
      throw new Error(`unexpected ${call.command}`);
    });
    const sleeps: number[] = [];
    const l = launcher(client, sleeps);
    await l.launch(5, { host: '10.0.0.8', port: 41000 });

    const submit = calls.filter((c) => c.command === 'SubmitJob');
    assert.equal(submit.length, 3, 'two throttled attempts, then success');
    assert.equal(sleeps.length, 2);
    const input = submit[2].input;
    assert.equal(input.jobName, `${'n'.repeat(120)}-workers`);
    assert.equal(String(input.jobName).length, 128);
    assert.equal(input.jobQueue, manager.jobQueue);
    assert.equal(input.jobDefinition, manager.jobDefinition);
    assert.deepEqual(input.arrayProperties, { size: 5 });
    assert.deepEqual(input.tags, {
      'batch-runner:run-id': 'run-9',
      'batch-runner:role': 'worker',
      'batch-runner:manager-job-id': 'mgr-1',
    });
    assert.deepEqual(input.retryStrategy, { attempts: 1 });
    assert.equal(input.shareIdentifier, 'teamA');
    assert.equal(input.schedulingPriorityOverride, 7);
    const overrides = input.containerOverrides as { command: string[]; environment: { name: string; value: string }[] };
    assert.deepEqual(overrides.command, [
      '/usr/local/bin/node',
      '/opt/batch-runner/runtime.js',
      'worker',
      '--manager',
      '10.0.0.8:41000',
    ]);
    assert.deepEqual(
      Object.fromEntries(overrides.environment.map((e) => [e.name, e.value])),
      { BATCH_RUNNER_HEARTBEAT_SECONDS: '2', BATCH_RUNNER_RUN_URI: 's3://bucket/runs/run-9/' },
      "tunables pass through; the manager's own port and unrelated variables do not",
    );
    assert.deepEqual(l.ids(), ['arr-1:0', 'arr-1:1', 'arr-1:2', 'arr-1:3', 'arr-1:4']);
  });

  test('a single worker is a plain job; status comes from the job or the array summary', async () => {
    let status = 'RUNNABLE';
    const { client, calls } = fakeBatch((call) => {
      if (call.command === 'DescribeJobs') {
        const ids = call.input.jobs as string[];
        return ids[0] === 'mgr-1'
          ? { jobs: [{ ...manager, shareIdentifier: undefined }] }
          : { jobs: [{ jobId: 'one', status }] };
      }
      return { jobId: 'one' };
    });
    const l = launcher(client);
    await l.launch(1, { host: '10.0.0.8', port: 41000 });
    const input = calls.find((c) => c.command === 'SubmitJob')!.input;
    assert.equal(input.arrayProperties, undefined);
    assert.equal(input.shareIdentifier, undefined);
    assert.deepEqual(l.ids(), ['one']);
    assert.deepEqual(await l.status(), { total: 1, pending: 1, running: 0, finished: 0 });
    status = 'RUNNING';
    assert.deepEqual(await l.status(), { total: 1, pending: 0, running: 1, finished: 0 });

    const array = fakeBatch((call) =>
      call.command === 'DescribeJobs' && (call.input.jobs as string[])[0] === 'arr'
        ? {
            jobs: [
              { jobId: 'arr', arrayProperties: { size: 4, statusSummary: { RUNNABLE: 1, RUNNING: 2, FAILED: 1 } } },
            ],
          }
        : call.command === 'DescribeJobs'
          ? { jobs: [manager] }
          : { jobId: 'arr' },
    );
    const al = launcher(array.client);
    await al.launch(4, { host: 'h', port: 1 });
    assert.deepEqual(await al.status(), { total: 4, pending: 1, running: 2, finished: 1 });
  });

  test('stopAll: jobs that never started are terminated at once; started ones get the grace, connected or not', async () => {
    // 0 was told to shut down; 1 started late and is not connected (it connects, is told to go,
    // and exits 0); 2 and 3 never started.
    let clock = 0;
    const children = new Map<string, { status: string; startedAt?: number; stoppedAt?: number }>([
      ['arr:0', { status: 'RUNNING', startedAt: 0 }],
      ['arr:1', { status: 'STARTING' }],
      ['arr:2', { status: 'RUNNABLE' }],
      ['arr:3', { status: 'SUBMITTED' }],
    ]);
    const ends = new Map([
      ['arr:0', 2000],
      ['arr:1', 6000],
    ]);
    const terminatedAt: [string, number][] = [];
    const { client } = fakeBatch((call) => {
      // The workers that exit on their own do so on time.
      for (const [id, at] of ends) {
        const child = children.get(id)!;
        if (clock >= 1000 && child.status === 'STARTING') Object.assign(child, { status: 'RUNNING', startedAt: 1000 });
        if (clock >= at && child.status === 'RUNNING') Object.assign(child, { status: 'SUCCEEDED', stoppedAt: at });
      }
      return childrenApi(call, children, (jobId) => {
        terminatedAt.push([jobId, clock]);
        const child = children.get(jobId);
        if (child) Object.assign(child, { status: 'FAILED', stoppedAt: clock });
      });
    });
    const l = clocked(
      client,
      () => clock,
      (ms) => (clock += ms),
    );
    await l.launch(4, { host: 'h', port: 1 });
    await l.stopAll('run succeeded', new Set(['arr:0']), 15_000);
    assert.deepEqual(terminatedAt.sort(), [
      ['arr:2', 0],
      ['arr:3', 0],
    ]);
    assert.deepEqual(
      [...children.values()].map((c) => c.status),
      ['SUCCEEDED', 'SUCCEEDED', 'FAILED', 'FAILED'],
    );
    assert.ok(clock >= 6000 && clock < 15_000, `stopAll returned at ${clock} ms, once the last one had exited`);
  });

  test('stopAll: a started worker still alive after the grace period is terminated then, not before', async () => {
    let clock = 0;
    const children = new Map<string, { status: string; startedAt?: number; stoppedAt?: number }>([
      ['arr:0', { status: 'RUNNING', startedAt: 0 }],
      ['arr:1', { status: 'RUNNING', startedAt: 0 }],
    ]);
    const terminatedAt: [string, number][] = [];
    const { client } = fakeBatch((call) =>
      childrenApi(call, children, (jobId) => {
        terminatedAt.push([jobId, clock]);
        const child = children.get(jobId);
        if (child) Object.assign(child, { status: 'FAILED', stoppedAt: clock });
      }),
    );
    const l = clocked(
      client,
      () => clock,
      (ms) => (clock += ms),
    );
    await l.launch(2, { host: 'h', port: 1 });
    await l.stopAll('run succeeded', new Set(['arr:0']), 15_000);
    assert.ok(terminatedAt.length > 0);
    for (const [jobId, at] of terminatedAt) assert.ok(at > 15_000, `${jobId} terminated at ${at} ms, within the grace`);
    assert.deepEqual(new Set(terminatedAt.map(([id]) => id)), new Set(['arr', 'arr:0', 'arr:1']));
    assert.equal(l.usage(clock).workerSeconds, (2 * terminatedAt[0][1]) / 1000, 'the final figures are listed');
  });

  test('usage: ended children are counted once, running ones up to now; job times listed at most every 30 s', async () => {
    const t0 = 1_000_000;
    let clock = t0;
    const children = new Map<string, { status: string; startedAt?: number; stoppedAt?: number }>([
      ['arr:0', { status: 'RUNNING', startedAt: t0 - 10_000 }],
      ['arr:1', { status: 'SUCCEEDED', startedAt: t0 - 20_000, stoppedAt: t0 - 5000 }],
      ['arr:2', { status: 'RUNNABLE' }],
    ]);
    const { client, calls } = fakeBatch((call) => childrenApi(call, children, () => undefined));
    const l = clocked(client, () => clock);
    await l.launch(3, { host: 'h', port: 1 });
    assert.deepEqual(l.usage(), { workerSeconds: 0, vcpus: 2, gpus: 1, memoryMiB: 4096 });
    const listed = () => calls.filter((c) => c.command === 'ListJobs').map((c) => c.input.jobStatus);

    await l.status();
    assert.deepEqual(listed(), ['RUNNING', 'SUCCEEDED', 'FAILED']);
    assert.equal(l.usage().workerSeconds, 10 + 15);
    assert.equal(l.usage(t0 + 4000).workerSeconds, 14 + 15, 'a running child counts up to now');

    clock = t0 + 10_000;
    await l.status();
    assert.equal(listed().length, 3, 'not listed again within 30 s');
    assert.equal(l.usage().workerSeconds, 20 + 15);

    // arr:0 ends at t0 + 12 s; arr:2 starts at t0 + 20 s.
    children.set('arr:0', { status: 'SUCCEEDED', startedAt: t0 - 10_000, stoppedAt: t0 + 12_000 });
    children.set('arr:2', { status: 'RUNNING', startedAt: t0 + 20_000 });
    clock = t0 + 31_000;
    await l.status();
    assert.deepEqual(listed().slice(3), ['RUNNING', 'SUCCEEDED', 'FAILED'], 'more have ended: listed again');
    assert.equal(l.usage().workerSeconds, 22 + 15 + 11);

    clock = t0 + 62_000;
    await l.status();
    assert.deepEqual(listed().slice(6), ['RUNNING'], 'no more ended: only the running ones are listed');
    assert.equal(l.usage().workerSeconds, 22 + 15 + 42);

    // arr:2 ends; stopAll lists the final figures; nothing is counted twice.
    children.set('arr:2', { status: 'SUCCEEDED', startedAt: t0 + 20_000, stoppedAt: t0 + 70_000 });
    clock = t0 + 75_000;
    await l.stopAll('run succeeded', new Set(), 15_000);
    assert.equal(l.usage().workerSeconds, 22 + 15 + 50);
    assert.equal(l.usage(t0 + 500_000).workerSeconds, 22 + 15 + 50, 'ended children no longer grow');
  });

  test('job resources: resource requirements, else the older vcpus and memory fields', () => {
    assert.deepEqual(
      jobResources({
        container: {
          resourceRequirements: [
            { type: 'VCPU', value: '0.25' },
            { type: 'MEMORY', value: '512' },
          ],
        },
      } as JobDetail),
      { vcpus: 0.25, memoryMiB: 512 },
    );
    assert.deepEqual(jobResources({ container: { vcpus: 4, memory: 2048 } } as JobDetail), {
      vcpus: 4,
      memoryMiB: 2048,
    });
    assert.deepEqual(jobResources({} as JobDetail), {});
  });
});

type Child = { status: string; startedAt?: number; stoppedAt?: number };

/** A Batch API over a map of array children (the array job is 'arr'; the manager 'mgr-1'). */
function childrenApi(call: Call, children: Map<string, Child>, terminate: (jobId: string) => void): unknown {
  switch (call.command) {
    case 'DescribeJobs': {
      const id = (call.input.jobs as string[])[0];
      if (id === 'mgr-1') return { jobs: [managerWithResources] };
      const statusSummary: Record<string, number> = {};
      for (const child of children.values()) statusSummary[child.status] = (statusSummary[child.status] ?? 0) + 1;
      return { jobs: [{ jobId: id, arrayProperties: { size: children.size, statusSummary } }] };
    }
    case 'SubmitJob':
      return { jobId: 'arr' };
    case 'ListJobs':
      return {
        jobSummaryList: [...children]
          .filter(([, child]) => child.status === call.input.jobStatus)
          .map(([jobId, child]) => ({ jobId, ...child })),
      };
    case 'TerminateJob':
      terminate(String(call.input.jobId));
      return {};
  }
  throw new Error(call.command);
}

const managerWithResources = {
  ...manager,
  container: {
    resourceRequirements: [
      { type: 'VCPU', value: '2' },
      { type: 'MEMORY', value: '4096' },
      { type: 'GPU', value: '1' },
    ],
  },
};

/** A launcher on a test clock; its sleeps advance the clock (when `advance` is given) instead of waiting. */
function clocked(client: BatchClient, now: () => number, advance?: (ms: number) => void) {
  return new BatchLauncher({
    batch: client,
    managerJobId: 'mgr-1',
    runId: 'run-9',
    storeUri: 's3://bucket/runs/run-9/',
    runtime: ['node', 'runtime.js'],
    log: () => undefined,
    env: {},
    now,
    sleep: async (ms) => advance?.(ms),
  });
}
