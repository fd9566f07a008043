import * as assert from 'node:assert/strict';
import type { JobDetail } from '@aws-sdk/client-batch';
import { FollowedLine, LogFollower } from '../../src/logs/follower';
import { JobLogSession, JobNotFoundError, summaryLine } from '../../src/logs/jobSession';
import { FakeBatch } from './helpers/fakeBatch';
import { FakeLogs, sleep, waitFor } from './helpers/fakeLogs';

function job(id: string, extra: Partial<JobDetail> = {}): JobDetail {
  return {
    jobId: id,
    jobName: id,
    jobQueue: 'q',
    jobDefinition: 'def',
    status: 'RUNNING',
    createdAt: Date.now(),
    startedAt: Date.now(),
    container: { logStreamName: `def/default/${id}` },
    ...extra,
  } as JobDetail;
}

function session(batch: FakeBatch, logs: FakeLogs, jobId: string) {
  const lines: FollowedLine[] = [];
  const notices: string[] = [];
  const follower = new LogFollower({
    api: logs,
    onLines: (batchOfLines) => lines.push(...batchOfLines),
    onNotice: (text) => notices.push(text),
    fastIntervalMs: 2,
    idleIntervalMs: 10,
    idlePerStreamMs: 0,
    settleMs: 10,
    missingGraceMs: 30,
  });
  const s = new JobLogSession({
    jobs: batch,
    follower,
    jobId,
    onNotice: (text) => notices.push(text),
    statusIntervalMs: 10,
  });
  return { s, lines, notices };
}

suite('JobLogSession', () => {
  test('a manager and the workers it submits: streams found by tags, labelled, followed to the end', async () => {
    const batch = new FakeBatch();
    const logs = new FakeLogs();
    const manager = batch.add(
      job('mgr', { tags: { 'batch-runner:run-id': 'r1', 'batch-runner:run-uri': 's3://b/runs/r1/' } }),
    );
    batch.add(job('unrelated', { tags: { 'batch-runner:manager-job-id': 'someone-else' } }));
    logs.put('def/default/mgr', ['manager up']);
    const { s, lines, notices } = session(batch, logs, 'mgr');
    const running = s.run();
    await waitFor(() => lines.length === 1);

    batch.add(
      job('wrk', {
        jobName: 'mgr-workers',
        container: undefined,
        arrayProperties: { size: 2 },
        tags: { 'batch-runner:role': 'worker', 'batch-runner:manager-job-id': 'mgr' },
      }),
    );
    batch.add(job('wrk:0', { status: 'STARTING', container: undefined }));
    batch.add(job('wrk:1', { status: 'RUNNING' }));
    logs.put('def/default/wrk:1', ['worker 1 says hi']);
    await waitFor(() => lines.length === 2, 5000, 'worker 1 line');
    batch.job('wrk:0')!.container = { logStreamName: 'def/default/wrk:0' };
    logs.put('def/default/wrk:0', ['worker 0 says hi']);
    await waitFor(() => lines.length === 3, 5000, 'worker 0 line');

    for (const id of ['wrk:0', 'wrk:1']) batch.job(id)!.status = 'SUCCEEDED';
    logs.put('def/default/mgr', ['manager done']);
    manager.status = 'SUCCEEDED';
    const summary = await running;
    assert.deepEqual(summary.outcome, { kind: 'ended' });
    assert.equal(summary.role, 'manager');
    assert.deepEqual(summary.workers, { total: 2, succeeded: 2, failed: 0, unfinished: 0 });
    assert.deepEqual(
      lines.map((l) => `[${l.label}] ${l.message}`),
      ['[manager] manager up', '[worker 1] worker 1 says hi', '[worker 0] worker 0 says hi', '[manager] manager done'],
    );
    assert.ok(notices.includes('Following 2 workers (job mgr-workers).'), notices.join('|'));
    assert.equal(summaryLine(summary, lines.length), '── mgr SUCCEEDED · 2 workers: 2 succeeded · 4 lines ──');
  });

  test('a job that already ended: its whole log, no label, then the summary', async () => {
    const batch = new FakeBatch();
    const logs = new FakeLogs();
    batch.add(
      job('done', {
        status: 'FAILED',
        statusReason: 'Essential container in task exited',
        attempts: [
          { container: { logStreamName: 'def/default/attempt1', exitCode: 3 } },
          { container: { logStreamName: 'def/default/done', exitCode: 1 } },
        ],
      }),
    );
    logs.put('def/default/attempt1', ['first try'], 1000);
    logs.put('def/default/done', ['second try', 'boom'], 2000);
    const { s, lines } = session(batch, logs, 'done');
    const summary = await s.run();
    assert.deepEqual(
      lines.map((l) => l.message),
      ['first try', 'second try', 'boom'],
    );
    assert.ok(lines.every((l) => l.label === undefined));
    assert.equal(
      summaryLine(summary, 3),
      '── done FAILED: Essential container in task exited · exit code 1 · 3 lines ──',
    );
  });

  test('an unknown job id is a clear error', async () => {
    const { s } = session(new FakeBatch(), new FakeLogs(), 'nope');
    await assert.rejects(s.run(), JobNotFoundError);
  });

  test('Batch unreachable for a while: one notice, then following goes on', async () => {
    const batch = new FakeBatch();
    const logs = new FakeLogs();
    const target = batch.add(job('j'));
    const { s, lines, notices } = session(batch, logs, 'j');
    const running = s.run();
    await waitFor(() => batch.describeCalls >= 1);
    batch.failNext = 3;
    await waitFor(() => notices.some((n) => /AWS Batch answers again/.test(n)), 5000, 'recovery notice');
    assert.equal(notices.filter((n) => /Cannot reach/.test(n)).length, 1, notices.join('|'));
    logs.put('def/default/j', ['still here']);
    await waitFor(() => lines.length === 1);
    target.status = 'SUCCEEDED';
    await running;
  });

  test('stop() ends the session and the follower', async () => {
    const batch = new FakeBatch();
    batch.add(job('j'));
    const { s } = session(batch, new FakeLogs(), 'j');
    const running = s.run();
    await sleep(30);
    s.stop();
    const summary = await running;
    assert.equal(summary.outcome.kind, 'stopped');
    assert.match(summaryLine(summary, 0), /^── Stopped following j/);
  });
});
