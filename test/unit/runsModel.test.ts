import * as assert from 'node:assert/strict';
import { explainAwsError } from '../../src/shared/awsProblem';
import { CANCEL_REASON, ROLE_MANAGER, TAG_ROLE, TAG_RUN_ID, TAG_RUN_URI } from '../../src/shared/run';
import { RUNS_PAGE, RunsModel } from '../../src/models/runs/runsModel';
import type { RunFailuresNode, RunNode } from '../../src/models/runs/runNodes';
import type { RunStatus } from '../../src/models/runs/runStatus';
import { FakeBatch } from './helpers/fakeBatch';
import { FakeRunFiles } from './helpers/fakeRunFiles';

const BUCKET = 'results';
const PREFIX = 'runs/';
const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);

function runId(name: string, minute: number): string {
  return `${name}-20261201-12${String(minute).padStart(2, '0')}00-abc123`;
}

function setup(options: { locations?: string[] } = {}) {
  const batch = new FakeBatch();
  batch.queues = ['research'];
  const files = new FakeRunFiles();
  let now = T0 + 30 * 60_000;
  const model = new RunsModel({
    batch,
    files: async () => files,
    locations: async () => options.locations ?? [`s3://${BUCKET}/${PREFIX}`],
    explain: (error) => explainAwsError(error, 's3:GetObject'),
    now: () => now,
  });
  const finished: RunStatus[] = [];
  model.onDidFinish((run) => finished.push(run));
  return {
    batch,
    files,
    model,
    finished,
    advance: (ms: number) => (now += ms),
    status: (id: string) => model.get(`s3://${BUCKET}/${PREFIX}${id}/`)!,
  };
}

function spec(id: string, count = 10) {
  return { name: id.replace(/-\d{8}-\d{6}-[0-9a-f]+$/, ''), runId: id, workers: 4, tasks: { command: ['run'], count } };
}

function progress(id: string, extra: Record<string, unknown> = {}) {
  return {
    runId: id,
    name: 'x',
    mode: 'tasks',
    state: 'running',
    manager: '10.0.0.1:4000',
    seq: 1,
    startedAt: new Date(T0 + 20 * 60_000).toISOString(),
    updatedAt: new Date(T0 + 29 * 60_000).toISOString(),
    managerJobId: `job-${id}`,
    workers: {
      min: 1,
      max: 4,
      connected: 3,
      everConnected: 3,
      launch: { total: 4, pending: 1, running: 3, finished: 0 },
    },
    tasks: { total: 10, queued: 4, running: 3, succeeded: 3, failed: 0, retried: 1 },
    ...extra,
  };
}

function summary(id: string, status: string, extra: Record<string, unknown> = {}) {
  return {
    runId: id,
    name: 'x',
    mode: 'tasks',
    status,
    exitCode: status === 'succeeded' ? 0 : 1,
    reason: status === 'succeeded' ? 'all 10 tasks succeeded' : '2 of 10 tasks failed',
    startedAt: new Date(T0).toISOString(),
    finishedAt: new Date(T0 + 10 * 60_000).toISOString(),
    durationSeconds: 600,
    tasks: { total: 10, queued: 0, running: 0, succeeded: 10, failed: 0, retried: 0 },
    workers: { min: 1, max: 4, everConnected: 4 },
    droppedConnections: 0,
    ...extra,
  };
}

function key(id: string, file: string): string {
  return `${PREFIX}${id}/${file}`;
}

function managerJob(batch: FakeBatch, id: string, status: string, extra: Record<string, unknown> = {}) {
  return batch.add({
    jobId: `job-${id}`,
    jobName: id,
    queue: 'research',
    status,
    startedAt: T0 + 20 * 60_000,
    tags: { [TAG_RUN_ID]: id, [TAG_ROLE]: ROLE_MANAGER, [TAG_RUN_URI]: `s3://${BUCKET}/${PREFIX}${id}/` },
    container: { resourceRequirements: [{ type: 'VCPU', value: '2' }] },
    ...extra,
  });
}

suite('RunsModel', () => {
  test('finished runs are read once (summary.json only); active runs are polled with conditional GETs', async () => {
    const { batch, files, model, status } = setup();
    const done = runId('sweep', 1);
    const active = runId('monte-carlo', 20);
    files.put(BUCKET, key(done, 'run.json'), spec(done));
    files.put(BUCKET, key(done, 'summary.json'), summary(done, 'succeeded'));
    files.put(BUCKET, key(active, 'run.json'), spec(active));
    files.put(BUCKET, key(active, 'progress.json'), progress(active));
    managerJob(batch, active, 'RUNNING');

    await model.refresh();
    assert.deepEqual(
      model.runs().map((run) => [run.runId, run.state]),
      [
        [active, 'running'],
        [done, 'succeeded'],
      ],
      'newest first',
    );
    const first = files.take();
    assert.ok(first.includes(`Get ${key(done, 'summary.json')}`));
    assert.ok(!first.some((call) => call.includes(`${done}/progress.json`) || call.includes(`${done}/run.json`)));
    assert.equal(status(active).tasks?.succeeded, 3);
    assert.equal(status(active).workers.connected, 3);
    assert.equal(status(active).name, 'monte-carlo');

    batch.calls = [];
    await model.refresh();
    assert.deepEqual(files.take(), [`List ${PREFIX}`, `Get ${key(active, 'progress.json')} (if-none-match)`]);
    assert.deepEqual(batch.calls, ['DescribeJobs(1)']);
    const cost = model.lastRefreshCost;
    assert.ok(cost.s3Calls + cost.batchCalls <= 1 + 3, `calls per refresh: ${JSON.stringify(cost)}`);
    assert.equal(cost.bytes, 0, 'a 304 carries no body');
  });

  test('running → succeeded: one finish notice for a watched run, none for others, and the run is not read again', async () => {
    const { batch, files, model, finished, status } = setup();
    const watched = runId('a', 10);
    const other = runId('b', 11);
    for (const id of [watched, other]) {
      files.put(BUCKET, key(id, 'run.json'), spec(id));
      files.put(BUCKET, key(id, 'progress.json'), progress(id));
      managerJob(batch, id, 'RUNNING');
    }
    await model.refresh();
    model.watch(`s3://${BUCKET}/${PREFIX}${watched}/`);
    for (const id of [watched, other]) {
      files.put(BUCKET, key(id, 'progress.json'), progress(id, { state: 'succeeded', seq: 9 }));
      files.put(BUCKET, key(id, 'summary.json'), summary(id, 'succeeded'));
    }
    await model.refresh();
    assert.equal(status(watched).state, 'succeeded');
    assert.equal(status(other).state, 'succeeded');
    assert.deepEqual(
      finished.map((run) => run.runId),
      [watched],
    );
    files.take();
    await model.refresh();
    assert.deepEqual(files.take(), [`List ${PREFIX}`], 'finished runs are cached');
    assert.equal(finished.length, 1, 'the notice fires once');
    assert.equal(model.hasActive(), false);
  });

  test('failed: the failed tasks with exit codes and their last lines become children', async () => {
    const { files, model, status } = setup();
    const id = runId('fails', 5);
    files.put(
      BUCKET,
      key(id, 'summary.json'),
      summary(id, 'failed', {
        tasks: { total: 10, queued: 0, running: 0, succeeded: 8, failed: 2, retried: 2 },
        failures: [
          {
            index: 3,
            attempts: 2,
            exitCode: 2,
            reason: 'exit code 2',
            tail: ['reading input', 'ValueError: bad seed'],
          },
          { index: 7, attempts: 2, exitCode: null, reason: 'killed by SIGKILL' },
        ],
      }),
    );
    await model.refresh();
    const run = status(id);
    assert.equal(run.state, 'failed');
    assert.equal(run.reason, '2 of 10 tasks failed');
    const node = model.roots()[0] as RunNode;
    await model.expand(node);
    const failures = model.children(node).find((child) => child.kind === 'runFailures') as RunFailuresNode;
    assert.equal(failures.count, 2);
    assert.deepEqual(
      failures.children.map((task) => [task.index, task.exitCode, task.attempts]),
      [
        [3, 2, 2],
        [7, null, 2],
      ],
    );
    assert.deepEqual(
      failures.children[0].children.map((line) => line.text),
      ['reading input', 'ValueError: bad seed'],
    );
    assert.ok(model.children(node).some((child) => child.kind === 'runResults'));
  });

  test('lost: the manager job ended without a summary; cancelled: it ended with Cancel Run’s reason', async () => {
    const { batch, files, model, status } = setup();
    const lost = runId('lost', 1);
    const cancelled = runId('cancelled', 2);
    for (const id of [lost, cancelled]) {
      files.put(BUCKET, key(id, 'run.json'), spec(id));
      files.put(BUCKET, key(id, 'progress.json'), progress(id));
    }
    managerJob(batch, lost, 'RUNNING');
    managerJob(batch, cancelled, 'RUNNING');
    await model.refresh();
    assert.equal(status(lost).state, 'running');
    Object.assign(batch.job(`job-${lost}`), {
      status: 'FAILED',
      statusReason: 'Essential container in task exited',
      stoppedAt: T0 + 29 * 60_000,
      container: { exitCode: 137 },
    });
    Object.assign(batch.job(`job-${cancelled}`), { status: 'FAILED', statusReason: CANCEL_REASON });
    files.take();
    await model.refresh();
    assert.equal(status(lost).state, 'lost');
    assert.match(status(lost).reason!, /FAILED with exit code 137 \(Essential container in task exited\)/);
    assert.ok(
      files.take().includes(`Get ${key(lost, 'summary.json')}`),
      'summary.json is looked for once more before the run is called lost',
    );
    assert.equal(status(cancelled).state, 'cancelled');
  });

  test('a deleted manager job, a truncated progress.json, a foreign summary, an unreadable file: each run says why, the view goes on', async () => {
    const { files, model, status } = setup();
    const gone = runId('gone', 1);
    const truncated = runId('truncated', 2);
    const foreign = runId('foreign', 3);
    const denied = runId('denied', 4);
    const fine = runId('fine', 5);
    files.put(BUCKET, key(gone, 'run.json'), spec(gone));
    files.put(BUCKET, key(gone, 'progress.json'), progress(gone));
    files.put(BUCKET, key(truncated, 'run.json'), spec(truncated));
    files.put(BUCKET, key(truncated, 'progress.json'), JSON.stringify(progress(truncated)).slice(0, 40));
    files.put(BUCKET, key(foreign, 'summary.json'), summary('someone-else', 'succeeded'));
    files.put(BUCKET, key(denied, 'run.json'), spec(denied));
    files.put(BUCKET, key(fine, 'summary.json'), summary(fine, 'succeeded'));
    files.failReads = {
      suffix: `${denied}/summary.json`,
      error: Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
    };
    await model.refresh();
    assert.equal(status(gone).state, 'lost');
    assert.match(status(gone).reason!, /no longer exists/);
    assert.equal(status(truncated).state, 'unknown');
    assert.match(status(truncated).reason!, /progress\.json is not valid JSON/);
    assert.equal(status(foreign).state, 'unknown');
    assert.match(status(foreign).reason!, /belongs to another run/);
    assert.equal(status(denied).state, 'unknown');
    assert.match(status(denied).reason!, /summary\.json could not be read/);
    assert.equal(status(fine).state, 'succeeded');
    assert.equal(model.problem, undefined, 'a run’s own problem is not the view’s');
  });

  test('a results prefix that cannot be listed is one problem; the other prefixes still show their runs', async () => {
    const { files, model } = setup({
      locations: [`s3://${BUCKET}/${PREFIX}`, 's3://forbidden/x/'],
    });
    const id = runId('ok', 1);
    files.put(BUCKET, key(id, 'summary.json'), summary(id, 'succeeded'));
    const original = files.listFolders.bind(files);
    files.listFolders = async (uri) => {
      if (uri.startsWith('s3://forbidden/'))
        throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      return original(uri);
    };
    const problems: string[] = [];
    model.onDidChangeProblem(() => problems.push(model.problem?.message ?? 'cleared'));
    await model.refresh();
    await model.refresh();
    assert.deepEqual(
      model.runs().map((run) => run.runId),
      [id],
    );
    assert.equal(problems.length, 1, `one message per problem: ${problems.join(' | ')}`);
  });

  test('manager jobs bring in runs from other buckets; jobs that are not managers are described once', async () => {
    const { batch, files, model } = setup();
    const elsewhere = runId('elsewhere', 3);
    batch.add({
      jobId: `job-${elsewhere}`,
      jobName: elsewhere,
      queue: 'research',
      status: 'RUNNING',
      tags: { [TAG_RUN_ID]: elsewhere, [TAG_ROLE]: ROLE_MANAGER, [TAG_RUN_URI]: `s3://other/p/${elsewhere}/` },
    });
    batch.add({ jobId: 'plain', jobName: runId('plain', 4), queue: 'research', status: 'RUNNING' });
    files.put('other', `p/${elsewhere}/run.json`, spec(elsewhere));
    files.put('other', `p/${elsewhere}/progress.json`, progress(elsewhere, { managerJobId: `job-${elsewhere}` }));
    await model.refresh();
    assert.deepEqual(
      model.runs().map((run) => [run.runUri, run.state]),
      [[`s3://other/p/${elsewhere}/`, 'running']],
    );
    batch.calls = [];
    await model.refresh(true);
    assert.ok(
      !batch.calls.some((call) => call === 'DescribeJobs(2)'),
      `the plain job is not described again: ${batch.calls.join(', ')}`,
    );
  });

  test('the newest runs are shown and read first; older ones wait behind “Show More”, active ones never do', async () => {
    const { batch, files, model, status } = setup();
    const ids: string[] = [];
    for (let i = 0; i < RUNS_PAGE + 30; i++) {
      const id = `old-${String(20261101 + Math.floor(i / 60)).padStart(8, '0')}-${String(i % 60).padStart(2, '0')}0000-aaaaaa`;
      ids.push(id);
      files.put(BUCKET, key(id, 'summary.json'), summary(id, 'succeeded'));
    }
    // The oldest folder holds a run that still goes: Batch lists its manager job.
    const ancient = 'ancient-20250101-000000-bbbbbb';
    files.put(BUCKET, key(ancient, 'run.json'), spec(ancient));
    files.put(BUCKET, key(ancient, 'progress.json'), progress(ancient));
    managerJob(batch, ancient, 'RUNNING');
    await model.refresh();
    const gets = files.take().filter((call) => call.startsWith('Get'));
    assert.equal(model.runs().length, RUNS_PAGE + 1, 'a page of the newest, and the active one');
    assert.equal(model.hiddenCount, 30);
    assert.ok(gets.length <= RUNS_PAGE + 3, `${gets.length} reads`);
    assert.equal(status(ancient).state, 'running');
    const last = model.roots()[model.roots().length - 1];
    assert.deepEqual([last.kind, last.kind === 'runsMore' && last.hidden], ['runsMore', 30]);
    await model.showMore();
    assert.equal(model.runs().length, RUNS_PAGE + 31);
    assert.equal(model.hiddenCount, 0);
    assert.ok(model.roots().every((node) => node.kind === 'run'));
  });

  test('ended runs’ summaries kept from an earlier session are not read again', async () => {
    const cache = new Map<string, string>();
    const summaryCache = {
      get: (uri: string) => cache.get(uri),
      set: (uri: string, text: string) => void cache.set(uri, text),
      delete: (uri: string) => void cache.delete(uri),
    };
    const files = new FakeRunFiles();
    const id = runId('cached', 1);
    files.put(BUCKET, key(id, 'summary.json'), summary(id, 'succeeded'));
    const make = () =>
      new RunsModel({
        batch: new FakeBatch(),
        files: async () => files,
        locations: async () => [`s3://${BUCKET}/${PREFIX}`],
        explain: (error) => explainAwsError(error, 's3:GetObject'),
        summaryCache,
      });
    await make().refresh();
    assert.ok(cache.has(`s3://${BUCKET}/${PREFIX}${id}/`));
    files.take();
    const next = make();
    await next.refresh();
    assert.deepEqual(files.take(), [`List ${PREFIX}`]);
    assert.equal(next.runs()[0].state, 'succeeded');
  });

  test('progress.json with a lower seq than the one shown is ignored', async () => {
    const { batch, files, model, status } = setup();
    const id = runId('seq', 10);
    files.put(BUCKET, key(id, 'run.json'), spec(id));
    files.put(BUCKET, key(id, 'progress.json'), progress(id, { seq: 5 }));
    managerJob(batch, id, 'RUNNING');
    await model.refresh();
    files.put(
      BUCKET,
      key(id, 'progress.json'),
      progress(id, { seq: 4, tasks: { total: 10, queued: 10, running: 0, succeeded: 0, failed: 0, retried: 0 } }),
    );
    await model.refresh();
    assert.equal(status(id).tasks?.succeeded, 3);
    files.put(
      BUCKET,
      key(id, 'progress.json'),
      progress(id, { seq: 6, tasks: { total: 10, queued: 0, running: 2, succeeded: 8, failed: 0, retried: 0 } }),
    );
    await model.refresh();
    assert.equal(status(id).tasks?.succeeded, 8);
  });

  test('a deleted run folder stays gone, though Batch still lists its ended manager job', async () => {
    const { batch, files, model } = setup();
    const kept = runId('kept', 1);
    const deleted = runId('deleted', 2);
    const emptied = runId('emptied', 3);
    files.put(BUCKET, key(kept, 'summary.json'), summary(kept, 'succeeded'));
    files.put(BUCKET, key(deleted, 'summary.json'), summary(deleted, 'succeeded'));
    managerJob(batch, deleted, 'SUCCEEDED');
    // Removed by hand before this session: only its ended manager job is left.
    managerJob(batch, emptied, 'FAILED');
    await model.refresh();
    assert.deepEqual(
      model.runs().map((run) => run.runId),
      [deleted, kept],
    );
    await files.deletePrefix(`s3://${BUCKET}/${PREFIX}${deleted}/`);
    model.forget(`s3://${BUCKET}/${PREFIX}${deleted}/`);
    await model.refresh(true);
    assert.deepEqual(
      model.runs().map((run) => run.runId),
      [kept],
    );
    assert.equal(model.hiddenCount, 0);
  });

  test('a submitted run shows at once, as starting, before S3 lists it', async () => {
    const { model, status } = setup();
    const id = runId('fresh', 29);
    const changes: unknown[] = [];
    model.onDidChange((change) => changes.push(change));
    model.addSubmitted({
      runUri: `s3://${BUCKET}/${PREFIX}${id}/`,
      runId: id,
      jobId: 'j1',
      jobName: id,
      queue: 'research',
    });
    assert.equal(status(id).state, 'starting');
    assert.ok(model.isWatched(`s3://${BUCKET}/${PREFIX}${id}/`));
    assert.equal(changes.length, 1);
  });
});
