import * as assert from 'node:assert/strict';
import { parseProgress, parseSpec, parseSummary, runIdName, runIdTime } from '../../src/models/runs/runFiles';
import { eta, runStatus, usageHours } from '../../src/models/runs/runStatus';

const MIN = 60_000;

suite('run status arithmetic', () => {
  test('ETA: time per finished task so far, times the tasks left, less the time since the last progress', () => {
    const tasks = { total: 100, queued: 57, running: 6, succeeded: 35, failed: 2, retried: 1 };
    const progress = { startedAt: 0, updatedAt: 37 * MIN };
    assert.equal(eta(tasks, progress, 37 * MIN), 63 * MIN);
    assert.equal(eta(tasks, progress, 40 * MIN), 60 * MIN);
    assert.equal(eta(tasks, progress, 500 * MIN), 0, 'never negative');
    assert.equal(eta({ ...tasks, succeeded: 0, failed: 0 }, progress, 1), undefined, 'no pace before a task ends');
    assert.equal(eta({ ...tasks, succeeded: 100, failed: 0 }, progress, 1), undefined, 'nothing left');
  });

  test('vCPU- and GPU-hours: manager plus worker job seconds times one job’s resources, extrapolated while running', () => {
    const usage = { managerSeconds: 3600, workerSeconds: 4 * 3600, vcpus: 2, gpus: 1 };
    const done = usageHours(usage, {
      running: false,
      since: 0,
      now: 0,
      runningWorkers: 0,
      vcpus: undefined,
      gpus: undefined,
    });
    assert.deepEqual(done, { vcpu: 10, gpu: 5 });
    const live = usageHours(
      { managerSeconds: 1800, workerSeconds: 3600 },
      { running: true, since: 0, now: 30 * MIN, runningWorkers: 3, vcpus: 4, gpus: 0 },
    );
    // 0.5 h manager + 1 h workers recorded, then 0.5 h more for the manager and 3 workers: 3.5 job-hours × 4 vCPUs.
    assert.deepEqual(live, { vcpu: 14, gpu: 0 });
    assert.equal(
      usageHours(undefined, { running: false, since: 0, now: 0, runningWorkers: 0, vcpus: 1, gpus: 0 }),
      undefined,
    );
  });

  test('run ids carry their name and time', () => {
    assert.equal(runIdTime('monte-carlo-20261201-120305-0a1b2c'), Date.UTC(2026, 11, 1, 12, 3, 5));
    assert.equal(runIdName('monte-carlo-20261201-120305-0a1b2c'), 'monte-carlo');
    assert.equal(runIdTime('not-a-run'), undefined);
  });

  test('parsers give reasons, never throw: truncated, not an object, foreign, unknown state', () => {
    const id = 'r-20261201-120000-aaaaaa';
    assert.match((parseProgress('{"runId":"r-2026', id) as { reason: string }).reason, /not valid JSON/);
    assert.match((parseProgress('[1,2]', id) as { reason: string }).reason, /JSON object/);
    assert.match(
      (parseProgress('{"state":"running"}', id) as { reason: string }).reason,
      /not written by AWS Batch Runner/,
    );
    assert.match(
      (parseProgress(JSON.stringify({ runId: id, state: 'exploded' }), id) as { reason: string }).reason,
      /unknown state/,
    );
    assert.match((parseSummary('', id) as { reason: string }).reason, /empty/);
    assert.match(
      (parseSpec(JSON.stringify({ runId: id, name: 'r' }), id) as { reason: string }).reason,
      /neither tasks nor cluster/,
    );
    const tails = parseSummary(
      JSON.stringify({
        runId: id,
        status: 'failed',
        failures: [
          { index: 1, attempts: 3, exitCode: 1, reason: 'x', tail: Array.from({ length: 50 }, (_, i) => `line ${i}`) },
        ],
      }),
      id,
    );
    assert.ok(tails.ok);
    assert.equal(tails.value.failures[0].tail.length, 20, 'at most 20 lines kept');
    assert.equal(tails.value.failures[0].tail[19], 'line 49', 'the last ones');
  });

  test('states from recorded facts: starting, running, succeeded, failed, cancelled, lost, unknown', () => {
    const id = 'r-20261201-120000-aaaaaa';
    const runUri = `s3://b/p/${id}/`;
    const now = Date.UTC(2026, 11, 1, 12, 30);
    const progress = parseProgress(
      JSON.stringify({
        runId: id,
        state: 'running',
        startedAt: '2026-12-01T12:01:00Z',
        updatedAt: '2026-12-01T12:29:00Z',
        tasks: { total: 10, succeeded: 4, failed: 1, queued: 3, running: 2, retried: 0 },
      }),
      id,
    );
    const job = {
      jobId: 'j',
      jobName: id,
      queue: 'q',
      status: 'RUNNING',
      statusReason: undefined,
      exitCode: undefined,
      startedAt: undefined,
      stoppedAt: undefined,
      vcpus: 1,
      gpus: 0,
    };
    const spec = parseSpec(
      JSON.stringify({ runId: id, name: 'r', workers: 2, tasks: { command: ['x'], count: 10 } }),
      id,
    );
    assert.equal(
      runStatus({ runId: id, runUri, spec, managerJob: { ...job, status: 'RUNNABLE' } }, now).state,
      'starting',
    );
    const running = runStatus({ runId: id, runUri, spec, progress, managerJob: job }, now);
    assert.equal(running.state, 'running');
    assert.equal(running.elapsedMs, 29 * MIN);
    assert.ok(running.etaMs !== undefined && running.etaMs > 0);
    const summary = (status: string) =>
      parseSummary(JSON.stringify({ runId: id, status, reason: 'why', finishedAt: '2026-12-01T12:20:00Z' }), id);
    assert.equal(runStatus({ runId: id, runUri, progress, summary: summary('succeeded') }, now).state, 'succeeded');
    const failed = runStatus({ runId: id, runUri, progress, summary: summary('failed') }, now);
    assert.deepEqual([failed.state, failed.reason, failed.elapsedMs], ['failed', 'why', 19 * MIN]);
    assert.equal(runStatus({ runId: id, runUri, summary: summary('cancelled') }, now).state, 'cancelled');
    const lost = runStatus(
      { runId: id, runUri, progress, managerJob: { ...job, status: 'FAILED', exitCode: 137 } },
      now,
    );
    assert.equal(lost.state, 'lost');
    assert.equal(runStatus({ runId: id, runUri }, now).state, 'unknown');
    assert.equal(runStatus({ runId: id, runUri, spec, progressMissing: true }, now).state, 'starting');
    assert.equal(
      runStatus({ runId: id, runUri, spec, progressMissing: true }, now + 2 * 3600_000).state,
      'unknown',
      'never started',
    );
  });
});
