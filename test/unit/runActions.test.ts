import * as assert from 'node:assert/strict';
import { CANCEL_REASON } from '../../src/shared/run';
import type { Clock } from '../../src/shared/clock';
import { cancelRun, deleteRunData, rerunFailedTasks } from '../../src/submit/runActions';
import { FakeBatch } from './helpers/fakeBatch';
import { FakeRunFiles } from './helpers/fakeRunFiles';

/** A clock whose sleeps pass at once, moving time on. */
function steppingClock(): Clock & { slept: number } {
  let time = 0;
  const clock = {
    slept: 0,
    now: () => time,
    sleep: async (ms: number) => {
      time += ms;
      clock.slept += ms;
    },
  };
  return clock;
}

/** Batch that ends a job when told to (as AWS does, after a while: here at the next look). */
class EndingBatch extends FakeBatch {
  submitted: unknown[] = [];
  override async terminateJob(jobId: string): Promise<void> {
    await super.terminateJob(jobId);
    const job = this.job(jobId);
    job.status = 'FAILED';
    job.statusReason = CANCEL_REASON;
    for (const child of job.children ?? []) child.status = 'FAILED';
  }
  override async submitJob(...args: unknown[]): Promise<never> {
    this.submitted.push(args[0]);
    return { jobId: 'new-manager', jobName: 'x' } as never;
  }
}

const RUN = 's3://bkt/runs/mc-20261201-120000-aaaaaa/';

suite('run actions', () => {
  test('Cancel Run terminates the manager, the worker array job and each live child, and waits until none is alive', async () => {
    const batch = new EndingBatch();
    batch.add({ jobId: 'm', jobName: 'mc', queue: 'q', status: 'RUNNING', startedAt: 1 });
    batch.add({
      jobId: 'w',
      jobName: 'mc-workers',
      queue: 'q',
      status: 'PENDING',
      arrayProperties: { size: 3 },
      children: [
        { jobId: 'w:0', jobName: 'w', status: 'RUNNING' },
        { jobId: 'w:1', jobName: 'w', status: 'SUCCEEDED' },
        { jobId: 'w:2', jobName: 'w', status: 'RUNNABLE' },
      ],
    });
    const files = new FakeRunFiles();
    const clock = steppingClock();
    const result = await cancelRun(
      batch,
      files,
      { runUri: RUN, runId: 'mc-20261201-120000-aaaaaa', name: 'mc', managerJobId: 'm', workerJobId: 'w' },
      { clock },
    );
    assert.deepEqual(result.stillAlive, []);
    assert.ok(batch.calls.includes('TerminateJob(m)'));
    assert.ok(batch.calls.includes('TerminateJob(w)'));
    assert.ok(!batch.calls.includes('TerminateJob(w:1)'), 'a finished child is left alone');
    assert.equal(result.wroteSummary, false, 'the manager ran: it writes its own cancelled summary on SIGTERM');
  });

  test('Cancel Run of a run whose manager never started writes the cancelled summary itself', async () => {
    const batch = new EndingBatch();
    batch.add({ jobId: 'm', jobName: 'mc', queue: 'q', status: 'RUNNABLE' });
    const files = new FakeRunFiles();
    const result = await cancelRun(
      batch,
      files,
      { runUri: RUN, runId: 'mc-20261201-120000-aaaaaa', name: 'mc', managerJobId: 'm', workerJobId: undefined },
      { clock: steppingClock() },
    );
    assert.ok(batch.calls.includes('CancelJob(m)'));
    assert.equal(result.wroteSummary, true);
    const written = JSON.parse(files.objects.get('bkt/runs/mc-20261201-120000-aaaaaa/summary.json')!);
    assert.equal(written.status, 'cancelled');
    assert.equal(written.runId, 'mc-20261201-120000-aaaaaa');
  });

  test('Cancel Run reports the jobs still alive when its wait ends', async () => {
    const batch = new FakeBatch(); // never ends a job
    batch.add({ jobId: 'm', jobName: 'mc', queue: 'q', status: 'RUNNING', startedAt: 1 });
    const clock = steppingClock();
    const result = await cancelRun(
      batch,
      new FakeRunFiles(),
      { runUri: RUN, runId: 'mc-20261201-120000-aaaaaa', name: 'mc', managerJobId: 'm', workerJobId: undefined },
      { clock, waitMs: 10_000 },
    );
    assert.deepEqual(result.stillAlive, ['m']);
    assert.ok(clock.slept >= 10_000);
  });

  test('Re-run Failed Tasks writes a linked run.json with only those indexes and submits on the parent’s queue and definition', async () => {
    const batch = new EndingBatch();
    batch.add({ jobId: 'm', jobName: 'mc', queue: 'q', status: 'FAILED', jobDefinition: 'arn:def:3' });
    const files = new FakeRunFiles();
    const run = await rerunFailedTasks(batch, files, {
      parent: {
        runUri: RUN,
        runId: 'mc-20261201-120000-aaaaaa',
        managerJobId: 'm',
        spec: {
          name: 'mc',
          runId: 'mc-20261201-120000-aaaaaa',
          workers: 4,
          tasks: { command: ['x', '${index}'], count: 10 },
        },
      },
      indexes: [7, 3, 3],
      now: new Date(Date.UTC(2026, 11, 1, 13, 0, 0)),
    });
    assert.match(run.runId, /^mc-20261201-130000-[0-9a-f]{6}$/);
    assert.equal(run.runUri, `s3://bkt/runs/${run.runId}/`);
    const spec = JSON.parse(files.objects.get(`bkt/runs/${run.runId}/run.json`)!);
    assert.deepEqual(spec.tasks.indexes, [3, 7]);
    assert.equal(spec.parentRunId, 'mc-20261201-120000-aaaaaa');
    assert.equal(spec.tasks.count, 10);
    const submitted = batch.submitted[0] as { jobQueue: string; jobDefinition: string; tags: Record<string, string> };
    assert.equal(submitted.jobQueue, 'q');
    assert.equal(submitted.jobDefinition, 'arn:def:3');
  });

  test('Re-run Failed Tasks of a run Batch forgot says what to do instead', async () => {
    await assert.rejects(
      rerunFailedTasks(new FakeBatch(), new FakeRunFiles(), {
        parent: {
          runUri: RUN,
          runId: 'mc-20261201-120000-aaaaaa',
          managerJobId: 'gone',
          spec: { name: 'mc', runId: 'mc-20261201-120000-aaaaaa', workers: 1, tasks: { command: ['x'], count: 2 } },
        },
        indexes: [1],
      }),
      /no longer knows the manager job.*Submit the run again/,
    );
  });

  test('Delete Run Data removes the run’s folder and nothing beside it', async () => {
    const files = new FakeRunFiles();
    files.put('bkt', 'runs/mc-20261201-120000-aaaaaa/run.json', '{}');
    files.put('bkt', 'runs/mc-20261201-120000-aaaaaa/tasks/0/out.txt', 'x');
    files.put('bkt', 'runs/mc-20261201-120000-aaaaaa-other/run.json', '{}');
    assert.equal(await deleteRunData(files, RUN), 2);
    assert.ok(files.has('bkt', 'runs/mc-20261201-120000-aaaaaa-other/run.json'));
    await assert.rejects(deleteRunData(files, 's3://bkt/'), /whole bucket/);
  });
});
