import * as assert from 'node:assert/strict';
import type { BatchClient } from '@aws-sdk/client-batch';
import { BatchLauncher } from '../../../src/runtime/launch/batchLauncher';

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

  test('stopAll terminates workers that were not told to leave at once, and the rest after the grace period', async () => {
    // Children: 0 and 1 were told to shut down (and never do, in this test); 2 never connected.
    const alive = new Set(['arr:0', 'arr:1', 'arr:2']);
    const { client, calls } = fakeBatch((call) => {
      switch (call.command) {
        case 'DescribeJobs':
          return { jobs: [manager] };
        case 'SubmitJob':
          return { jobId: 'arr' };
        case 'ListJobs':
          return {
            jobSummaryList:
              call.input.jobStatus === 'RUNNING' ? [...alive].map((jobId) => ({ jobId, status: 'RUNNING' })) : [],
          };
        case 'TerminateJob':
          alive.delete(String(call.input.jobId));
          return {};
      }
      throw new Error(call.command);
    });
    const l = launcher(client);
    await l.launch(3, { host: 'h', port: 1 });
    await l.stopAll('run over', new Set(['arr:0', 'arr:1']), 0);
    const terminated = calls.filter((c) => c.command === 'TerminateJob').map((c) => c.input.jobId);
    assert.equal(terminated[0], 'arr:2', 'the worker that never connected goes first, without grace');
    assert.deepEqual(new Set(terminated), new Set(['arr:2', 'arr', 'arr:0', 'arr:1']));
    assert.equal(alive.size, 0);
  });
});
