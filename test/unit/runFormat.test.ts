import * as assert from 'node:assert/strict';
import {
  canCancel,
  canDelete,
  canRerun,
  failedTaskText,
  failureSentence,
  failuresLabel,
  finishNotice,
  formatDuration,
  formatEta,
  formatHours,
  runContextValue,
  runDescription,
  shortTime,
  runPickItem,
  runTooltipMarkdown,
  statusBarText,
  statusBarTooltip,
} from '../../src/models/runs/runFormat';
import { parseProgress, parseSummary } from '../../src/models/runs/runFiles';
import { runStatus, type RunStatus } from '../../src/models/runs/runStatus';

const RUN_ID = 'monte-carlo-20260301-120000-ab12';
const URI = `s3://results/runs/${RUN_ID}/`;
const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);

function run(over: Partial<RunStatus> = {}): RunStatus {
  return {
    runId: RUN_ID,
    runUri: URI,
    name: 'monte-carlo',
    state: 'running',
    reason: undefined,
    tasks: { total: 100, queued: 53, running: 10, succeeded: 35, failed: 2, retried: 3 },
    workers: { requested: 8, connected: 6 },
    startedAt: T0,
    finishedAt: undefined,
    elapsedMs: 250_000,
    etaMs: 4 * 60_000 - 5000,
    vcpuHours: 0.5,
    gpuHours: 0,
    failures: [
      { index: 3, attempts: 3, exitCode: 1, reason: 'exit code 1 (attempt 3 of 3)', tail: ['boom'] },
      { index: 9, attempts: 3, exitCode: 2, reason: 'exit code 2 (attempt 3 of 3)', tail: [] },
    ],
    managerJobId: 'aaaaaaaa-1111-2222-3333-444444444444',
    workerJobId: 'bbbbbbbb-1111-2222-3333-444444444444',
    parentRunId: undefined,
    createdAt: T0,
    mode: 'tasks',
    ...over,
  };
}

const succeeded = (over: Partial<RunStatus> = {}) =>
  run({
    state: 'succeeded',
    tasks: { total: 100, queued: 0, running: 0, succeeded: 100, failed: 0, retried: 0 },
    failures: [],
    elapsedMs: 3_780_000,
    finishedAt: T0 + 3_780_000,
    etaMs: undefined,
    workers: { requested: 8, connected: undefined },
    vcpuHours: 2.43,
    ...over,
  });

suite('run formatting', () => {
  test('durations, time left and hours', () => {
    assert.equal(formatDuration(250_000), '4m 10s');
    assert.equal(formatDuration(3_780_000), '1h 3m');
    assert.equal(formatEta(235_000), '4m');
    assert.equal(formatEta(12_200), '13s');
    assert.equal(formatEta(2 * 3600_000 + 60_000), '2h 1m');
    assert.equal(formatHours(2.43), '2.4');
    assert.equal(formatHours(0.042), '0.04');
    assert.equal(formatHours(0.001), '<0.01');
    assert.equal(formatHours(0), '0');
    assert.equal(formatHours(1234.4), '1,234');
  });

  test('a running run: progress, failures, workers and time left', () => {
    assert.equal(runDescription(run()), `running · 37/100 · 2 failed · 6/8 workers · 4m left · ${shortTime(T0)}`);
    assert.equal(
      runDescription(
        run({ state: 'starting', tasks: undefined, etaMs: undefined, workers: { requested: 4, connected: undefined } }),
      ),
      `starting · ${shortTime(T0)}`,
    );
  });

  test('an ended run: progress, time taken and cost', () => {
    assert.equal(runDescription(succeeded()), `succeeded · 100/100 · 1h 3m · 2.4 vCPU-h · ${shortTime(T0)}`);
    assert.equal(
      runDescription(succeeded({ gpuHours: 1.5 })),
      `succeeded · 100/100 · 1h 3m · 2.4 vCPU-h · 1.5 GPU-h · ${shortTime(T0)}`,
    );
    assert.equal(
      runDescription(run({ state: 'unknown', reason: 'progress.json is not valid JSON (truncated or damaged)' })),
      `unknown · 37/100 · 2 failed · progress.json is not valid JSON (truncated or damaged) · ${shortTime(T0)}`,
    );
  });

  test('a description made from recorded files', () => {
    const progress = {
      runId: RUN_ID,
      state: 'running',
      startedAt: new Date(T0).toISOString(),
      updatedAt: new Date(T0 + 60_000).toISOString(),
      tasks: { total: 10, queued: 5, running: 3, succeeded: 2, failed: 0 },
      workers: { max: 3, connected: 3 },
    };
    const status = runStatus(
      { runId: RUN_ID, runUri: URI, progress: parseProgress(JSON.stringify(progress), RUN_ID) },
      T0 + 60_000,
    );
    // 2 tasks in a minute, 8 left: 4 minutes more.
    assert.equal(runDescription(status), `running · 2/10 · 3/3 workers · 4m left · ${shortTime(status.createdAt!)}`);
    const summary = {
      runId: RUN_ID,
      status: 'failed',
      reason: '1 of 10 tasks failed',
      startedAt: new Date(T0).toISOString(),
      finishedAt: new Date(T0 + 723_000).toISOString(),
      tasks: { total: 10, succeeded: 9, failed: 1 },
      failures: [{ index: 4, attempts: 2, exitCode: 1, reason: 'exit code 1', tail: ['Traceback', 'ValueError'] }],
    };
    const ended = runStatus({ runId: RUN_ID, runUri: URI, summary: parseSummary(JSON.stringify(summary), RUN_ID) }, T0);
    assert.equal(runDescription(ended), `failed · 10/10 · 1 failed · 12m 3s · ${shortTime(ended.createdAt!)}`);
    assert.equal(finishNotice(ended).message, `Run ${RUN_ID} failed: 1 of 10 tasks failed (task 4: exit code 1).`);
  });

  test('the tooltip names the URI, times, tasks, workers, usage and parent, escaped', () => {
    const text = runTooltipMarkdown(run({ name: 'my_run*', parentRunId: 'monte-carlo-20260228-090000-ff00' }), true);
    assert.match(text, /^\*\*my\\_run\\\*\*\* · running/);
    assert.match(text, new RegExp(`Run: \`${URI}\``));
    assert.match(text, /Started: 2026-03-01 12:00:00 UTC/);
    assert.match(text, /Tasks: 37 of 100 done \(35 succeeded, 2 failed, 10 running, 53 queued, 3 retried\)/);
    assert.match(text, /Workers: 6 of 8 connected/);
    assert.match(text, /Usage: 0\.5 vCPU-hours/);
    assert.match(text, /Re-run of: `monte-carlo-20260228-090000-ff00`/);
    assert.match(text, /Watched: a notification says when it ends/);
    const done = runTooltipMarkdown(
      succeeded({ reason: 'cancelled from AWS Batch Runner', state: 'cancelled' }),
      false,
    );
    assert.match(done, /\*cancelled from AWS Batch Runner\*/);
    assert.match(done, /Finished: 2026-03-01 13:03:00 UTC/);
    assert.match(done, /Took: 1h 3m/);
    assert.doesNotMatch(done, /Watched/);
  });

  test('context values say which actions apply', () => {
    assert.equal(runContextValue(run(), true), 'run;state=running;active;hasFailures;tasks;logs;s3;watched');
    assert.equal(
      runContextValue(succeeded({ managerJobId: undefined }), false),
      'run;state=succeeded;ended;tasks;s3;unwatched',
    );
    // A local run: its log is its channel or file, and there is no S3 console to open.
    assert.equal(
      runContextValue(succeeded({ managerJobId: undefined, runUri: 'file:///w/.batch-runner/runs/r/' }), false),
      'run;state=succeeded;ended;tasks;logs;local;unwatched',
    );
    const failed = run({ state: 'failed' });
    assert.ok(canRerun(failed) && canDelete(failed) && !canCancel(failed));
    assert.ok(!canRerun(run({ state: 'failed', mode: 'cluster' })), 'a cluster run has no tasks to re-run');
    assert.ok(canRerun(run({ state: 'failed', mode: undefined })), 'run.json not read yet: its failures say tasks');
    assert.ok(!canRerun(run()), 'not while it runs');
    assert.ok(canCancel(run({ state: 'starting' })) && !canDelete(run()));
    assert.ok(!canDelete(run({ state: 'unknown' })), 'an unreadable run may still be running');
  });

  test('failed task rows and the failures row', () => {
    assert.deepEqual(failedTaskText({ index: 3, attempts: 3, exitCode: 2, reason: '', tail: [] }), {
      label: 'task 3',
      description: 'exit 2 · 3 attempts',
    });
    assert.equal(
      failedTaskText({ index: 0, attempts: 1, exitCode: null, reason: '', tail: [] }).description,
      'no exit code · 1 attempt',
    );
    assert.equal(failuresLabel(2, 2), '2 failed tasks');
    assert.equal(failuresLabel(1, 1), '1 failed task');
    assert.equal(failuresLabel(250, 100), '250 failed tasks (first 100 listed)');
  });

  test('finish notices: succeeded, failed, lost, cancelled', () => {
    const ok = finishNotice(succeeded({ elapsedMs: 723_000 }));
    assert.deepEqual(ok, {
      severity: 'information',
      message: `Run ${RUN_ID} succeeded: 100 tasks in 12m 3s.`,
      actions: ['downloadResults', 'showLogs'],
    });
    const failed = finishNotice(
      run({ state: 'failed', reason: '2 of 24 tasks failed', tasks: { ...run().tasks!, total: 24 } }),
    );
    assert.equal(failed.severity, 'error');
    assert.equal(failed.message, `Run ${RUN_ID} failed: 2 of 24 tasks failed (task 3: exit code 1, and 1 more).`);
    assert.deepEqual(failed.actions, ['showFailedTasks', 'showLogs']);
    const lost = finishNotice(
      run({
        state: 'lost',
        failures: [],
        tasks: undefined,
        reason: 'the manager job ended FAILED with exit code 137 (Host EC2 terminated) without writing summary.json',
      }),
    );
    assert.equal(
      lost.message,
      `Run ${RUN_ID} was lost: the manager job ended FAILED with exit code 137 (Host EC2 terminated) without writing summary.json.`,
    );
    assert.deepEqual(lost.actions, ['showLogs']);
    const cancelled = finishNotice(run({ state: 'cancelled', managerJobId: undefined }));
    assert.deepEqual(cancelled, {
      severity: 'information',
      message: `Run ${RUN_ID} was cancelled with 37/100 tasks done.`,
      actions: [],
    });
  });

  test('a failure sentence adds the count when the reason is about something else', () => {
    assert.equal(
      failureSentence({
        reason: 'could not launch workers: AccessDenied.',
        tasks: { total: 4, queued: 0, running: 0, succeeded: 3, failed: 1, retried: 0 },
        failures: [{ index: 2, attempts: 1, exitCode: null, reason: 'lost', tail: [] }],
      }),
      'could not launch workers: AccessDenied; 1 of 4 tasks failed (task 2: no exit code)',
    );
    assert.equal(failureSentence({ reason: undefined, tasks: undefined, failures: [] }), 'no reason was recorded');
  });

  test('status bar: one run by name, several by count', () => {
    assert.equal(statusBarText([]), undefined);
    assert.equal(statusBarText([run()]), '$(sync~spin) monte-carlo 37/100');
    const other = run({
      name: 'sweep',
      tasks: { total: 10, queued: 6, running: 0, succeeded: 4, failed: 0, retried: 0 },
    });
    assert.equal(statusBarText([run(), other]), '$(sync~spin) 2 runs: 37/100, 4/10');
    assert.equal(statusBarText([run({ state: 'starting', tasks: undefined })]), '$(sync~spin) monte-carlo starting');
    assert.match(statusBarTooltip([run(), other]), /^monte-carlo: running · 37\/100.*\nsweep: running · 4\/10/);
  });

  test('quick pick items', () => {
    assert.deepEqual(runPickItem(succeeded()), {
      label: 'monte-carlo',
      description: `succeeded · 100/100 · 1h 3m · 2.4 vCPU-h · ${shortTime(T0)}`,
      detail: `${URI} · manager aaaaaaaa`,
    });
  });
});
