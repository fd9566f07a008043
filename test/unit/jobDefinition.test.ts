import * as assert from 'node:assert/strict';
import type { ContainerProperties, JobDefinition } from '@aws-sdk/client-batch';
import { changedFields, desiredJobDefinition, sameSpec } from '../../src/aws/jobDefinition';
import { parseRunConfig } from '../../src/config/runConfig';
import { managerCommand } from '../../src/docker/runtimeFiles';

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
  const desired = desiredJobDefinition({
    config,
    image,
    command: managerCommand('/opt/batch-runner/node'),
    platform: 'EC2',
  });
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
    const def = desiredJobDefinition({ config, image, command: managerCommand('node'), platform: 'EC2' });
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
    const desired = desiredJobDefinition({
      config,
      image,
      command: managerCommand('/opt/batch-runner/node'),
      platform: 'EC2',
    });
    assert.ok(sameSpec(described(), desired), JSON.stringify(changedFields(described(), desired)));
  });

  test('each field that matters makes it differ, and is named', () => {
    const desired = desiredJobDefinition({
      config,
      image,
      command: managerCommand('/opt/batch-runner/node'),
      platform: 'EC2',
    });
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
    const def = desiredJobDefinition({ config: withGpu, image, command: ['x'], platform: 'EC2' });
    assert.deepEqual(def.containerProperties?.resourceRequirements?.[2], { type: 'GPU', value: '1' });
    assert.deepEqual(def.timeout, { attemptDurationSeconds: 600 });
  });
});

suite('job definition on Fargate', () => {
  const fargateConfig = parseRunConfig(
    JSON.stringify({
      name: 'mc',
      jobQueue: 'q',
      results: { bucket: 'bucket-1' },
      resources: { vcpus: 0.25, memory: 512 },
      jobRoleArn: 'arn:aws:iam::123456789012:role/job',
      fargate: { executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole' },
      tasks: { command: ['x'], count: 1 },
    }),
    'f',
  );
  const command = managerCommand('/opt/batch-runner/node');
  const desired = desiredJobDefinition({ config: fargateConfig, image, command, platform: 'FARGATE' });

  /** As DescribeJobDefinitions returns it from AWS: Batch's defaults written out, lists in its order. */
  function describedFargate(container: Partial<ContainerProperties> = {}): JobDefinition {
    return {
      jobDefinitionName: 'mc',
      jobDefinitionArn: 'arn:aws:batch:us-east-1:123456789012:job-definition/mc:7',
      revision: 7,
      status: 'ACTIVE',
      type: 'container',
      platformCapabilities: ['FARGATE'],
      parameters: {},
      containerProperties: {
        image,
        command,
        jobRoleArn: 'arn:aws:iam::123456789012:role/job',
        executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
        resourceRequirements: [
          { type: 'MEMORY', value: '512' },
          { type: 'VCPU', value: '0.25' },
        ],
        environment: [],
        mountPoints: [],
        volumes: [],
        ulimits: [],
        secrets: [],
        networkConfiguration: { assignPublicIp: 'DISABLED' },
        fargatePlatformConfiguration: { platformVersion: 'LATEST' },
        runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' },
        ...container,
      },
      retryStrategy: {
        attempts: 3,
        evaluateOnExit: [
          { onStatusReason: 'Host EC2*', action: 'RETRY' },
          { onReason: '*', action: 'EXIT' },
        ],
      },
      tags: { 'batch-runner:managed': 'true', 'batch-runner:config-name': 'mc' },
      propagateTags: false,
    };
  }

  test('has the execution role, the network and platform settings, and the vCPUs as Batch writes them', () => {
    assert.deepEqual(desired.platformCapabilities, ['FARGATE']);
    const container = desired.containerProperties;
    assert.equal(container?.executionRoleArn, 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole');
    assert.equal(container?.jobRoleArn, 'arn:aws:iam::123456789012:role/job');
    assert.deepEqual(container?.networkConfiguration, { assignPublicIp: 'DISABLED' });
    assert.deepEqual(container?.fargatePlatformConfiguration, { platformVersion: 'LATEST' });
    assert.deepEqual(container?.resourceRequirements, [
      { type: 'VCPU', value: '0.25' },
      { type: 'MEMORY', value: '512' },
    ]);
    assert.equal(container?.runtimePlatform, undefined, 'x86-64 is what Fargate runs without being told');
  });

  test('a public IP, a platform version and an arm64 image are passed on', () => {
    const config = parseRunConfig(
      JSON.stringify({
        jobQueue: 'q',
        platform: 'linux/arm64',
        results: { bucket: 'bucket-1' },
        fargate: {
          executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
          assignPublicIp: true,
          platformVersion: '1.4.0',
        },
        tasks: { command: ['x'], count: 1 },
      }),
      'f',
    );
    const container = desiredJobDefinition({ config, image, command, platform: 'FARGATE' }).containerProperties;
    assert.deepEqual(container?.networkConfiguration, { assignPublicIp: 'ENABLED' });
    assert.deepEqual(container?.fargatePlatformConfiguration, { platformVersion: '1.4.0' });
    assert.deepEqual(container?.runtimePlatform, { operatingSystemFamily: 'LINUX', cpuArchitecture: 'ARM64' });
  });

  test('on an EC2 queue the fargate section changes nothing', () => {
    const ec2 = desiredJobDefinition({ config: fargateConfig, image, command, platform: 'EC2' });
    assert.deepEqual(ec2.platformCapabilities, ['EC2']);
    const keys = Object.keys(ec2.containerProperties ?? {}).sort();
    assert.deepEqual(keys, ['command', 'environment', 'image', 'jobRoleArn', 'resourceRequirements']);
  });

  test('the described revision, with the defaults Batch fills in, compares equal (no new revision)', () => {
    assert.ok(sameSpec(describedFargate(), desired), JSON.stringify(changedFields(describedFargate(), desired)));
    const bare = describedFargate({
      networkConfiguration: undefined,
      fargatePlatformConfiguration: undefined,
      runtimePlatform: undefined,
    });
    assert.ok(sameSpec(bare, desired), JSON.stringify(changedFields(bare, desired)));
  });

  test('a changed execution role, public IP, platform version or platform is detected and named', () => {
    const cases: [JobDefinition, string[]][] = [
      [describedFargate({ executionRoleArn: 'arn:aws:iam::123456789012:role/other' }), ['executionRoleArn']],
      [describedFargate({ networkConfiguration: { assignPublicIp: 'ENABLED' } }), ['assignPublicIp']],
      [describedFargate({ fargatePlatformConfiguration: { platformVersion: '1.3.0' } }), ['platformVersion']],
      [
        describedFargate({ runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'ARM64' } }),
        ['cpuArchitecture'],
      ],
    ];
    for (const [revision, fields] of cases) {
      assert.ok(!sameSpec(revision, desired), fields.join());
      assert.deepEqual(changedFields(revision, desired), fields);
    }
    // The same definition registered for an EC2 queue before the queue moved to Fargate.
    const ec2 = { ...described(), containerProperties: { ...describedFargate().containerProperties } };
    assert.ok(changedFields(ec2, desired).includes('platformCapabilities'));
    assert.ok(changedFields(ec2, desired).includes('executionRoleArn'));
  });
});
