import * as assert from 'node:assert/strict';
import type { JobDefinition } from '@aws-sdk/client-batch';
import { changedFields, desiredJobDefinition, sameSpec } from '../../src/aws/jobDefinition';
import { parseRunConfig } from '../../src/config/runConfig';
import { managerCommand } from '../../src/docker/runtimeLayer';

const config = parseRunConfig(
  JSON.stringify({
    name: 'mc',
    jobQueue: 'q',
    results: { bucket: 'bucket-1' },
    environment: { ZED: 'z', ALPHA: 'a' },
    jobRoleArn: 'arn:aws:iam::123456789012:role/job',
    tasks: { command: ['x'], count: 1 },
  }),
  'f',
);
const image = '127.0.0.1:5000/mc:0123456789abcdef';

/** What DescribeJobDefinitions returns for it (as moto does: lower-case actions, defaults added). */
function described(overrides: Partial<JobDefinition> = {}): JobDefinition {
  const desired = desiredJobDefinition({ config, image, command: managerCommand('/opt/batch-runner/node') });
  return {
    jobDefinitionName: 'mc',
    jobDefinitionArn: 'arn:aws:batch:us-east-1:123456789012:job-definition/mc:3',
    revision: 3,
    status: 'ACTIVE',
    type: 'container',
    platformCapabilities: ['EC2'],
    parameters: {},
    containerProperties: {
      ...desired.containerProperties,
      environment: [...(desired.containerProperties?.environment ?? [])]
        .reverse()
        .concat([{ name: 'EMPTY', value: '' }]),
      resourceRequirements: [...(desired.containerProperties?.resourceRequirements ?? [])].reverse(),
      mountPoints: [],
      volumes: [],
      ulimits: [],
      secrets: [],
    },
    retryStrategy: {
      attempts: 3,
      evaluateOnExit: [
        { onStatusReason: 'Host EC2*', action: 'retry' as never },
        { onReason: '*', action: 'exit' as never },
      ],
    },
    tags: { 'batch-runner:managed': 'true', 'batch-runner:config-name': 'mc', 'aws:cloudformation:stack': 'x' },
    ...overrides,
  };
}

suite('job definition', () => {
  test('the desired definition runs the runtime and retries only when the host went away', () => {
    const def = desiredJobDefinition({ config, image, command: managerCommand('node') });
    assert.equal(def.jobDefinitionName, 'mc');
    assert.deepEqual(def.containerProperties?.command, ['node', '/opt/batch-runner/runtime.js', 'manager']);
    assert.equal(def.containerProperties?.image, image);
    assert.deepEqual(def.containerProperties?.resourceRequirements, [
      { type: 'VCPU', value: '1' },
      { type: 'MEMORY', value: '2048' },
    ]);
    assert.deepEqual(def.containerProperties?.environment, [
      { name: 'ALPHA', value: 'a' },
      { name: 'ZED', value: 'z' },
    ]);
    assert.equal(def.containerProperties?.jobRoleArn, 'arn:aws:iam::123456789012:role/job');
    const rules = def.retryStrategy?.evaluateOnExit ?? [];
    assert.deepEqual(rules[0], { onStatusReason: 'Host EC2*', action: 'RETRY' });
    assert.deepEqual(
      rules[rules.length - 1],
      { onReason: '*', action: 'EXIT' },
      'ends in an explicit EXIT for everything else',
    );
    assert.equal(def.timeout, undefined);
    assert.ok(
      !JSON.stringify(def).includes('BATCH_RUNNER_RUN_URI'),
      'the run location goes in the submit, not the definition',
    );
  });

  test('a described revision equal in substance compares the same', () => {
    const desired = desiredJobDefinition({ config, image, command: managerCommand('/opt/batch-runner/node') });
    assert.ok(sameSpec(described(), desired), JSON.stringify(changedFields(described(), desired)));
  });

  test('each field that matters makes it differ, and is named', () => {
    const desired = desiredJobDefinition({ config, image, command: managerCommand('/opt/batch-runner/node') });
    const cases: [Partial<JobDefinition>, string][] = [
      [{ containerProperties: { ...described().containerProperties, image: 'other:1' } }, 'image'],
      [{ containerProperties: { ...described().containerProperties, command: ['node', 'x'] } }, 'command'],
      [{ containerProperties: { ...described().containerProperties, jobRoleArn: undefined } }, 'jobRoleArn'],
      [{ containerProperties: { ...described().containerProperties, environment: [] } }, 'environment'],
      [{ retryStrategy: { attempts: 1 } }, 'retryStrategy'],
      [{ timeout: { attemptDurationSeconds: 60 } }, 'timeout'],
      [{ tags: {} }, 'tags'],
    ];
    for (const [override, field] of cases) {
      const revision = described(override);
      assert.ok(!sameSpec(revision, desired), field);
      assert.deepEqual(changedFields(revision, desired), [field]);
    }
  });

  test('GPUs and a job timeout appear only when set', () => {
    const withGpu = parseRunConfig(
      JSON.stringify({
        jobQueue: 'q',
        results: { bucket: 'bucket-1' },
        resources: { gpus: 1 },
        jobTimeoutSeconds: 600,
        tasks: { command: ['x'], count: 1 },
      }),
      'f',
    );
    const def = desiredJobDefinition({ config: withGpu, image, command: ['x'] });
    assert.deepEqual(def.containerProperties?.resourceRequirements?.[2], { type: 'GPU', value: '1' });
    assert.deepEqual(def.timeout, { attemptDurationSeconds: 600 });
  });
});
