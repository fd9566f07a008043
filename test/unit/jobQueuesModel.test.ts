import * as assert from 'node:assert/strict';
import type { ComputeEnvironmentDetail, JobQueueDetail } from '@aws-sdk/client-batch';
import { explainAwsError } from '../../src/shared/awsProblem';
import { ChangedNodes, JobQueuesModel, QueuesSnapshot } from '../../src/models/jobQueuesModel';

const arn = (kind: string, name: string) => `arn:aws:batch:us-east-1:123456789012:${kind}/${name}`;

function queue(name: string, ces: string[], extra: Partial<JobQueueDetail> = {}): JobQueueDetail {
  return {
    jobQueueName: name,
    jobQueueArn: arn('job-queue', name),
    state: 'ENABLED',
    status: 'VALID',
    priority: 1,
    computeEnvironmentOrder: ces.map((ce, order) => ({
      order: order + 1,
      computeEnvironment: arn('compute-environment', ce),
    })),
    ...extra,
  };
}

function ce(name: string, desired = 0, extra: Partial<ComputeEnvironmentDetail> = {}): ComputeEnvironmentDetail {
  return {
    computeEnvironmentName: name,
    computeEnvironmentArn: arn('compute-environment', name),
    ecsClusterArn: 'x',
    type: 'MANAGED',
    state: 'ENABLED',
    status: 'VALID',
    computeResources: { type: 'EC2', minvCpus: 0, desiredvCpus: desired, maxvCpus: 64, subnets: [] },
    ...extra,
  };
}

/** A Batch whose next answer (queues and environments) the test sets; failures are thrown errors. */
class Source {
  next: QueuesSnapshot | Error = { queues: [], computeEnvironments: [] };
  /** Loads of the view: one DescribeJobQueues each. */
  calls = 0;
  describeJobQueues = async () => {
    this.calls++;
    if (this.next instanceof Error) throw this.next;
    return structuredClone(this.next.queues);
  };
  describeComputeEnvironments = async () => {
    if (this.next instanceof Error) throw this.next;
    return structuredClone(this.next.computeEnvironments);
  };
}

function setup() {
  const source = new Source();
  const model = new JobQueuesModel(source, (error) => explainAwsError(error, 'batch:DescribeJobQueues'));
  const changes: ChangedNodes[] = [];
  let stateChanges = 0;
  model.onDidChange((changed) => changes.push(changed));
  model.onDidChangeState(() => stateChanges++);
  return { source, model, changes, stateChanges: () => stateChanges };
}

suite('JobQueuesModel', () => {
  test('builds queues sorted by name with compute environments in their order', async () => {
    const { source, model } = setup();
    source.next = {
      queues: [queue('zeta', ['b', 'a'], { priority: 100 }), queue('alpha', ['a'])],
      computeEnvironments: [ce('a', 2), ce('b', 0, { type: 'UNMANAGED', computeResources: undefined })],
    };
    await model.refresh();
    assert.equal(model.state, 'ready');
    assert.deepEqual(
      model.roots().map((q) => q.name),
      ['alpha', 'zeta'],
    );
    const zeta = model.roots()[1];
    assert.equal(zeta.priority, 100);
    assert.deepEqual(
      model.children(zeta).map((c) => c.name),
      ['b', 'a'],
    );
    const [b, a] = zeta.children;
    assert.deepEqual([a.type, a.provisioning, a.minvCpus, a.desiredvCpus, a.maxvCpus], ['MANAGED', 'EC2', 0, 2, 64]);
    assert.deepEqual([b.type, b.maxvCpus], ['UNMANAGED', undefined]);
  });

  test('a compute environment that cannot be described still shows, with a reason', async () => {
    const { source, model } = setup();
    source.next = { queues: [queue('q1', ['gone'])], computeEnvironments: [] };
    await model.refresh();
    const [gone] = model.roots()[0].children;
    assert.equal(gone.name, 'gone');
    assert.equal(gone.type, '');
    assert.match(gone.statusReason, /deleted/);
  });

  test('an unchanged refresh fires nothing; a changed field fires only that node, same object', async () => {
    const { source, model, changes } = setup();
    source.next = { queues: [queue('q1', ['a']), queue('q2', ['a'])], computeEnvironments: [ce('a')] };
    await model.refresh();
    assert.deepEqual(changes, [undefined]);
    const before = model.roots()[0];
    const beforeCe = before.children[0];

    await model.refresh();
    assert.equal(changes.length, 1, 'no event for an identical snapshot');

    source.next = {
      queues: [queue('q1', ['a']), queue('q2', ['a'], { state: 'DISABLED' })],
      computeEnvironments: [ce('a', 8)],
    };
    await model.refresh();
    const last = changes.at(-1) as ChangedNodes;
    assert.ok(last, 'a partial change names its nodes');
    assert.equal(model.roots()[0], before, 'node identity survives a refresh');
    assert.equal(model.roots()[0].children[0], beforeCe);
    assert.equal(beforeCe.desiredvCpus, 8);
    assert.deepEqual(last.map((n) => `${n.kind}:${n.name}`).sort(), [
      'computeEnvironment:a',
      'computeEnvironment:a',
      'queue:q2',
    ]);
  });

  test('a new or deleted queue refreshes the whole tree', async () => {
    const { source, model, changes } = setup();
    source.next = { queues: [queue('q1', [])], computeEnvironments: [] };
    await model.refresh();
    source.next = { queues: [queue('q1', []), queue('q2', [])], computeEnvironments: [] };
    await model.refresh();
    source.next = { queues: [queue('q2', [])], computeEnvironments: [] };
    await model.refresh();
    assert.deepEqual(changes, [undefined, undefined, undefined]);
    assert.deepEqual(
      model.roots().map((q) => q.name),
      ['q2'],
    );
  });

  test('no queues is "empty", missing credentials before any data is "noCredentials"', async () => {
    const { source, model } = setup();
    source.next = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    await model.refresh();
    assert.equal(model.state, 'noCredentials');
    assert.equal(model.problem?.kind, 'noCredentials');
    source.next = { queues: [], computeEnvironments: [] };
    await model.refresh();
    assert.equal(model.state, 'empty');
    assert.equal(model.problem, undefined);
  });

  test('a failure after good data keeps the tree, reports once, and recovers by itself', async () => {
    const { source, model, changes, stateChanges } = setup();
    source.next = { queues: [queue('q1', [])], computeEnvironments: [] };
    await model.refresh();
    const afterLoad = stateChanges();
    source.next = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    for (let i = 0; i < 5; i++) await model.refresh();
    assert.equal(model.state, 'ready');
    assert.equal(model.problem?.kind, 'endpoint');
    assert.deepEqual(
      model.roots().map((q) => q.name),
      ['q1'],
    );
    assert.equal(stateChanges(), afterLoad + 1, 'five failed polls make one state change');
    assert.equal(changes.length, 1);
    source.next = { queues: [queue('q1', [])], computeEnvironments: [] };
    await model.refresh();
    assert.equal(model.problem, undefined);
    assert.equal(stateChanges(), afterLoad + 2);
  });

  test('concurrent refreshes share one call; reset drops the tree and ignores a late answer', async () => {
    const { source, model } = setup();
    source.next = { queues: [queue('q1', [])], computeEnvironments: [] };
    await Promise.all([model.refresh(), model.refresh(), model.refresh()]);
    assert.equal(source.calls, 1);
    source.next = { queues: [queue('old-region', [])], computeEnvironments: [] };
    const late = model.refresh();
    model.reset();
    await late;
    assert.equal(model.state, 'loading');
    assert.deepEqual(model.roots(), []);
  });
});
