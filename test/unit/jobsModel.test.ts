import * as assert from 'node:assert/strict';
import type { JobSummary } from '@aws-sdk/client-batch';
import { TAG_MANAGER_JOB_ID, TAG_ROLE, TAG_RUN_ID } from '../../src/shared/run';
import { FakeBatch, FakeJob } from './helpers/fakeBatch';
import { explainAwsError } from '../../src/shared/awsProblem';
import { JobNode, JobsChange, JobsTreeModel, MAX_JOBS_PER_GROUP, StatusGroupNode } from '../../src/models/jobsModel';

let serial = 0;
function job(queue: string, status: string, name: string, extra: Partial<FakeJob> = {}): FakeJob {
  serial++;
  return {
    queue,
    status: status as JobSummary['status'],
    jobName: name,
    jobId: `id-${serial}`,
    jobArn: `arn:job/id-${serial}`,
    createdAt: serial,
    ...extra,
  };
}

function setup() {
  const batch = new FakeBatch();
  const model = new JobsTreeModel(batch, (error) => explainAwsError(error, 'batch:ListJobs'));
  const changes: JobsChange[] = [];
  model.onDidChange((change) => changes.push(change));
  return { batch, model, changes };
}

async function open(model: JobsTreeModel, queue: string, status?: string) {
  const q = model.roots().find((node) => node.name === queue)!;
  await model.expand(q);
  if (!status) return { queue: model.roots().find((node) => node.name === queue)! };
  const group = model.children(q).find((node) => (node as StatusGroupNode).status === status) as StatusGroupNode;
  await model.expand(group);
  return { queue: q, group };
}

async function openGroup(model: JobsTreeModel, queue: string, status: string) {
  const { queue: q, group } = await open(model, queue, status);
  assert.ok(group);
  return { queue: q, group };
}

suite('JobsTreeModel', () => {
  test('queues load without listing jobs; expanding a queue lists its seven status groups with counts', async () => {
    const { batch, model } = setup();
    batch.jobs = [
      job('alpha', 'RUNNING', 'a1'),
      job('alpha', 'RUNNING', 'a2'),
      job('alpha', 'FAILED', 'a3'),
      job('beta', 'SUCCEEDED', 'b1'),
    ];
    await model.refresh();
    assert.deepEqual(
      model.roots().map((q) => q.name),
      ['alpha', 'beta'],
    );
    assert.deepEqual(batch.calls, ['DescribeJobQueues']);
    const { queue } = await open(model, 'alpha');
    const groups = model.children(queue) as StatusGroupNode[];
    assert.deepEqual(
      groups.map((g) => `${g.status}:${g.count}`),
      ['SUBMITTED:0', 'PENDING:0', 'RUNNABLE:0', 'STARTING:0', 'RUNNING:2', 'SUCCEEDED:0', 'FAILED:1'],
    );
    assert.equal(batch.calls.filter((c) => c === 'ListJobs').length, 7, 'one ListJobs per status');
  });

  test('expanding a group describes its jobs once; an unchanged refresh describes nothing and fires nothing', async () => {
    const { batch, model, changes } = setup();
    batch.jobs = [job('alpha', 'RUNNING', 'r1', { attempts: 2 }), job('alpha', 'RUNNING', 'r2')];
    await model.refresh();
    const { group } = await openGroup(model, 'alpha', 'RUNNING');
    const jobs = model.children(group) as JobNode[];
    assert.deepEqual(
      jobs.map((j) => j.jobName),
      ['r2', 'r1'],
      'newest first',
    );
    assert.equal(jobs[1].attempts, 2);
    assert.equal(jobs[1].image, 'img:1');
    assert.equal(jobs[1].logStreamName, `def/default/${jobs[1].jobId}`);
    const before = batch.calls.length;
    const changesBefore = changes.length;
    await model.refresh();
    const refreshCalls = batch.calls.slice(before);
    assert.deepEqual(
      refreshCalls.filter((c) => c.startsWith('Describe') && c !== 'DescribeJobQueues'),
      [],
    );
    assert.equal(changes.length, changesBefore, 'nothing changed, nothing fired');
    assert.equal(model.lastRefreshCalls, 7, 'the queue list is not fetched again within a minute');
  });

  test('a job that changes state moves groups; only the affected nodes fire; node identity is kept', async () => {
    const { batch, model, changes } = setup();
    const moving = job('alpha', 'RUNNING', 'moving');
    batch.jobs = [moving, job('alpha', 'RUNNING', 'staying')];
    await model.refresh();
    const { queue, group } = await openGroup(model, 'alpha', 'RUNNING');
    const staying = (model.children(group) as JobNode[]).find((j) => j.jobName === 'staying')!;
    changes.length = 0;
    moving.status = 'SUCCEEDED';
    moving.stoppedAt = 99;
    await model.refresh();
    assert.equal(changes.length, 1);
    const changed = changes[0];
    assert.ok(changed, 'a partial change, not the whole tree');
    assert.deepEqual(changed.map((n) => n.id).sort(), [`${queue.id}|RUNNING`, `${queue.id}|SUCCEEDED`].sort());
    assert.equal((model.children(group) as JobNode[])[0], staying, 'the same object is still shown');
    assert.equal(group.count, 1);
  });

  test('filters by status set and by name substring', async () => {
    const { batch, model } = setup();
    batch.jobs = [job('alpha', 'RUNNING', 'sim-1'), job('alpha', 'RUNNING', 'other'), job('alpha', 'FAILED', 'sim-2')];
    await model.refresh();
    const { queue } = await open(model, 'alpha');
    model.setFilter({ statuses: ['RUNNING', 'FAILED'], name: ' SIM ' });
    const groups = model.children(model.roots()[0]) as StatusGroupNode[];
    assert.deepEqual(
      groups.map((g) => `${g.status}:${g.count}`),
      ['RUNNING:1', 'FAILED:1'],
    );
    assert.deepEqual(model.getFilter(), { statuses: ['RUNNING', 'FAILED'], name: 'SIM' });
    model.setFilter({ statuses: [], name: '' });
    assert.equal(model.children(queue).length, 7);
  });

  test('an array job expands to its children in index order; a manager to its tagged workers', async () => {
    const { batch, model } = setup();
    const children = [2, 0, 1].map((i) =>
      job('alpha', 'SUCCEEDED', 'arr', { jobId: `arr-id:${i}`, arrayProperties: { index: i } }),
    );
    const array = job('alpha', 'RUNNING', 'arr', { jobId: 'arr-id', children });
    const manager = job('alpha', 'RUNNING', 'run-x', { tags: { [TAG_RUN_ID]: 'r1', [TAG_ROLE]: 'manager' } });
    const workers = job('alpha', 'RUNNING', 'run-x-workers', {
      tags: { [TAG_RUN_ID]: 'r1', [TAG_ROLE]: 'worker', [TAG_MANAGER_JOB_ID]: manager.jobId! },
    });
    const stranger = job('alpha', 'RUNNING', 'run-x-workers', { tags: { [TAG_MANAGER_JOB_ID]: 'someone-else' } });
    batch.jobs = [array, manager, workers, stranger];
    await model.refresh();
    const { group } = await openGroup(model, 'alpha', 'RUNNING');
    const shown = model.children(group) as JobNode[];
    const arrayNode = shown.find((j) => j.jobId === 'arr-id')!;
    assert.equal(arrayNode.arraySize, 3);
    await model.expand(arrayNode);
    assert.deepEqual(
      (model.children(arrayNode) as JobNode[]).map((j) => j.jobId),
      ['arr-id:0', 'arr-id:1', 'arr-id:2'],
    );
    const managerNode = shown.find((j) => j.jobId === manager.jobId)!;
    assert.equal(managerNode.role, 'manager');
    assert.equal(managerNode.runId, 'r1');
    await model.expand(managerNode);
    assert.deepEqual(
      (model.children(managerNode) as JobNode[]).map((j) => j.jobId),
      [workers.jobId],
    );
  });

  test('a run’s worker array job shows under its manager only, not in a status group too', async () => {
    const { batch, model } = setup();
    const manager = job('alpha', 'RUNNING', 'mc-20261201-120000-abcdef', {
      tags: { [TAG_RUN_ID]: 'r1', [TAG_ROLE]: 'manager' },
    });
    const workers = job('alpha', 'RUNNING', 'mc-20261201-120000-abcdef-workers', {
      tags: { [TAG_RUN_ID]: 'r1', [TAG_ROLE]: 'worker', [TAG_MANAGER_JOB_ID]: manager.jobId! },
    });
    const plain = job('alpha', 'RUNNING', 'nightly-workers');
    batch.jobs = [manager, workers, plain];
    await model.refresh();
    const { queue } = await open(model, 'alpha');
    const running = model.children(queue).find((g) => (g as StatusGroupNode).status === 'RUNNING') as StatusGroupNode;
    // Before anything is described, the name says it: <manager name>-workers beside that manager.
    assert.deepEqual(running.children.map((j) => (j as JobNode).jobName).sort(), [
      'mc-20261201-120000-abcdef',
      'nightly-workers',
    ]);
    await model.expand(running);
    assert.deepEqual((model.children(running) as JobNode[]).map((j) => j.jobName).sort(), [
      'mc-20261201-120000-abcdef',
      'nightly-workers',
    ]);
    const managerNode = (model.children(running) as JobNode[]).find((j) => j.jobId === manager.jobId)!;
    await model.expand(managerNode);
    assert.deepEqual(
      (model.children(managerNode) as JobNode[]).map((j) => j.jobId),
      [workers.jobId],
    );
    const located = await model.locate('arn:queue/alpha', manager.jobId!);
    assert.deepEqual(
      located?.path.map((n) => n.id),
      ['jobs|alpha', 'jobs|alpha|RUNNING'],
    );
    assert.equal(located?.job.jobId, manager.jobId);
  });

  test('array children listed at queue level are not shown twice', async () => {
    const { batch, model } = setup();
    batch.jobs = [job('alpha', 'RUNNING', 'arr', { jobId: 'p' }), job('alpha', 'RUNNING', 'arr', { jobId: 'p:0' })];
    await model.refresh();
    const { group } = await openGroup(model, 'alpha', 'RUNNING');
    assert.deepEqual(
      (model.children(group) as JobNode[]).map((j) => j.jobId),
      ['p'],
    );
  });

  test('a big group shows the newest jobs and says how many are hidden', async () => {
    const { batch, model } = setup();
    batch.jobs = Array.from({ length: MAX_JOBS_PER_GROUP + 25 }, (_, i) => job('alpha', 'SUCCEEDED', `j${i}`));
    await model.refresh();
    const { group } = await openGroup(model, 'alpha', 'SUCCEEDED');
    const children = model.children(group);
    assert.equal(children.length, MAX_JOBS_PER_GROUP + 1);
    assert.deepEqual(children.at(-1), { kind: 'more', id: `${group.id}|more`, hidden: 25 });
    assert.ok(batch.calls.includes(`DescribeJobs(${MAX_JOBS_PER_GROUP})`), 'only the shown jobs are described');
  });

  test('fast polling only while an expanded group can still change', async () => {
    const { batch, model } = setup();
    batch.jobs = [job('alpha', 'RUNNING', 'r'), job('alpha', 'SUCCEEDED', 's')];
    await model.refresh();
    assert.equal(model.hasActiveJobs(), false);
    const { queue, group } = await openGroup(model, 'alpha', 'SUCCEEDED');
    assert.equal(model.hasActiveJobs(), false);
    const running = (model.children(queue) as StatusGroupNode[]).find((g) => g.status === 'RUNNING')!;
    await model.expand(running);
    assert.equal(model.hasActiveJobs(), true);
    model.collapse(running);
    assert.equal(model.hasActiveJobs(), false);
    assert.ok(group);
  });

  test('failures report once, keep the tree, and clear on recovery; reset empties everything', async () => {
    const { batch, model } = setup();
    batch.jobs = [job('alpha', 'RUNNING', 'r')];
    await model.refresh();
    await open(model, 'alpha', 'RUNNING');
    let problems = 0;
    model.onDidChangeProblem(() => problems++);
    batch.failWith = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    await model.refresh();
    await model.refresh();
    assert.equal(problems, 1);
    assert.equal(model.problem?.kind, 'throttled');
    assert.equal(model.roots().length, 2, 'last good tree kept');
    batch.failWith = undefined;
    await model.refresh();
    assert.equal(model.problem, undefined);
    assert.equal(problems, 2);
    model.reset();
    assert.deepEqual(model.roots(), []);
    assert.equal(model.loaded, false);
  });
});
