import * as assert from 'node:assert/strict';
import {
  DescribeComputeEnvironmentsCommand,
  DescribeJobQueuesCommand,
  type ComputeEnvironmentDetail,
  type JobQueueDetail,
} from '@aws-sdk/client-batch';
import { firstEnvironment, platformOf, queueTarget } from '../../src/aws/queuePlatform';
import type { BatchApi } from '../../src/aws/batchApi';
import { SubmitError } from '../../src/shared/errors';
import { stubbedBatchApi } from './helpers/batchClientStub';

const ARN = 'arn:aws:batch:us-east-1:123456789012:job-queue/mixed';

/** A Batch client that knows one queue and some compute environments, by name. */
function fakeBatch(queue: JobQueueDetail, environments: ComputeEnvironmentDetail[]): BatchApi {
  return stubbedBatchApi(async (command: unknown) => {
    if (command instanceof DescribeJobQueuesCommand) {
      const wanted = command.input.jobQueues ?? [];
      return { jobQueues: wanted.length === 0 || wanted.includes(queue.jobQueueName ?? '') ? [queue] : [] };
    }
    if (command instanceof DescribeComputeEnvironmentsCommand) {
      const wanted = command.input.computeEnvironments ?? [];
      return { computeEnvironments: environments.filter((e) => wanted.includes(e.computeEnvironmentName ?? '')) };
    }
    throw new Error(`unexpected ${String(command)}`);
  });
}

function environment(name: string, type?: 'EC2' | 'SPOT' | 'FARGATE' | 'FARGATE_SPOT'): ComputeEnvironmentDetail {
  return {
    computeEnvironmentName: name,
    computeEnvironmentArn: `arn:aws:batch:us-east-1:123456789012:compute-environment/${name}`,
    ecsClusterArn: 'x',
    ...(type ? { type: 'MANAGED', computeResources: { type, maxvCpus: 4, subnets: [] } } : { type: 'UNMANAGED' }),
  };
}

suite('queue platform', () => {
  test('Fargate and Fargate Spot are Fargate; EC2, Spot and unmanaged environments are EC2', () => {
    assert.equal(platformOf(environment('a', 'FARGATE')), 'FARGATE');
    assert.equal(platformOf(environment('a', 'FARGATE_SPOT')), 'FARGATE');
    assert.equal(platformOf(environment('a', 'EC2')), 'EC2');
    assert.equal(platformOf(environment('a', 'SPOT')), 'EC2');
    assert.equal(platformOf(environment('a')), 'EC2');
  });

  test('the first compute environment is the one with the lowest order, whatever the list order', () => {
    const queue: JobQueueDetail = {
      jobQueueName: 'mixed',
      jobQueueArn: ARN,
      state: 'ENABLED',
      priority: 1,
      computeEnvironmentOrder: [
        { order: 2, computeEnvironment: 'ec2' },
        { order: 1, computeEnvironment: 'fargate' },
      ],
    };
    assert.equal(firstEnvironment(queue), 'fargate');
    assert.equal(firstEnvironment({ ...queue, computeEnvironmentOrder: [] }), undefined);
  });

  test('queueTarget reads the queue and its first environment', async () => {
    const queue: JobQueueDetail = {
      jobQueueName: 'mixed',
      jobQueueArn: ARN,
      state: 'ENABLED',
      status: 'VALID',
      priority: 1,
      computeEnvironmentOrder: [
        { order: 2, computeEnvironment: 'ec2' },
        { order: 1, computeEnvironment: 'spot-fargate' },
      ],
    };
    const environments = [environment('ec2', 'EC2'), environment('spot-fargate', 'FARGATE_SPOT')];
    assert.deepEqual(await queueTarget(fakeBatch(queue, environments), 'mixed'), {
      name: 'mixed',
      arn: ARN,
      platform: 'FARGATE',
      environment: 'spot-fargate',
    });
    const swapped = {
      ...queue,
      computeEnvironmentOrder: [
        { order: 1, computeEnvironment: 'ec2' },
        { order: 2, computeEnvironment: 'spot-fargate' },
      ],
    };
    assert.equal((await queueTarget(fakeBatch(swapped, environments), 'mixed')).platform, 'EC2');
  });

  test('a queue without environments, or with a deleted one, is a queue problem naming the fix', async () => {
    const queue: JobQueueDetail = {
      jobQueueName: 'empty',
      jobQueueArn: ARN,
      state: 'ENABLED',
      status: 'VALID',
      priority: 1,
      computeEnvironmentOrder: [],
    };
    await assert.rejects(queueTarget(fakeBatch(queue, []), 'empty'), (error: unknown) => {
      assert.ok(error instanceof SubmitError && error.kind === 'queue');
      assert.match(error.message, /"empty" has no compute environment\. Add one/);
      return true;
    });
    const dangling = { ...queue, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'gone' }] };
    await assert.rejects(
      queueTarget(fakeBatch(dangling, []), 'empty'),
      /uses the compute environment gone, which does not exist/,
    );
    await assert.rejects(queueTarget(fakeBatch(queue, []), 'other'), /"other" .* does not exist/);
  });
});
