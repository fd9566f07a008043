import * as assert from 'node:assert/strict';
import {
  FARGATE_VCPUS,
  accountOf,
  fargateMemoryFor,
  fargateProblem,
  fargateResourceProblem,
} from '../../src/config/fargate';
import { parseRunConfig } from '../../src/config/runConfig';

const ROLE = 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole';
const QUEUE_ARN = 'arn:aws:batch:us-east-1:210987654321:job-queue/priority-queue';

function config(extra: Record<string, unknown>) {
  return parseRunConfig(
    JSON.stringify({
      jobQueue: 'priority-queue',
      results: { bucket: 'b-1' },
      tasks: { command: ['x'], count: 1 },
      ...extra,
    }),
    'f',
  );
}

suite('Fargate', () => {
  test('the memory Fargate offers for each vCPU count', () => {
    assert.deepEqual(FARGATE_VCPUS, [0.25, 0.5, 1, 2, 4, 8, 16]);
    assert.deepEqual(fargateMemoryFor(0.25), [512, 1024, 2048]);
    assert.deepEqual(fargateMemoryFor(0.5), [1024, 2048, 3072, 4096]);
    assert.deepEqual(fargateMemoryFor(1), [2048, 3072, 4096, 5120, 6144, 7168, 8192]);
    const two = fargateMemoryFor(2);
    assert.deepEqual([two[0], two[1], two[two.length - 1], two.length], [4096, 5120, 16384, 13]);
    const four = fargateMemoryFor(4);
    assert.deepEqual([four[0], four[four.length - 1], four.length], [8192, 30720, 23]);
    assert.deepEqual(
      fargateMemoryFor(8),
      [16384, 20480, 24576, 28672, 32768, 36864, 40960, 45056, 49152, 53248, 57344, 61440],
    );
    const sixteen = fargateMemoryFor(16);
    assert.deepEqual([sixteen[0], sixteen[1], sixteen[sixteen.length - 1]], [32768, 40960, 122880]);
    assert.deepEqual(fargateMemoryFor(3), []);
  });

  test('valid combinations pass', () => {
    for (const [vcpus, memory] of [
      [0.25, 512],
      [0.25, 2048],
      [0.5, 4096],
      [1, 2048],
      [2, 16384],
      [4, 30720],
      [8, 61440],
      [16, 122880],
    ]) {
      assert.equal(fargateResourceProblem({ vcpus, memory, gpus: 0 }, 'q'), undefined, `${vcpus} vCPU, ${memory} MiB`);
    }
  });

  test('a memory size Fargate does not offer for the vCPUs names the ones it does', () => {
    const message = fargateResourceProblem({ vcpus: 1, memory: 1024, gpus: 0 }, 'priority-queue');
    assert.equal(
      message,
      'Job queue "priority-queue" runs on Fargate, where 1 vCPU takes "resources.memory" of 2048, 3072, 4096, 5120, 6144, 7168 or 8192 MiB (it is 1024). Change it in aws-batch.json. For 1024 MiB, "resources.vcpus" can be 0.25 or 0.5.',
    );
    assert.match(
      fargateResourceProblem({ vcpus: 0.25, memory: 1536, gpus: 0 }, 'q') ?? '',
      /0\.25 vCPU takes "resources\.memory" of 512, 1024 or 2048 MiB \(it is 1536\)/,
    );
    assert.match(
      fargateResourceProblem({ vcpus: 4, memory: 4000, gpus: 0 }, 'q') ?? '',
      /4 vCPU takes "resources\.memory" of 8192 to 30720 in steps of 1024 MiB \(it is 4000\)\. Change it in aws-batch\.json\.$/,
    );
    assert.match(
      fargateResourceProblem({ vcpus: 8, memory: 17000, gpus: 0 }, 'q') ?? '',
      /8 vCPU takes "resources\.memory" of 16384 to 61440 in steps of 4096 MiB/,
    );
  });

  test('a vCPU count Fargate does not have names the ones it has', () => {
    assert.equal(
      fargateResourceProblem({ vcpus: 3, memory: 8192, gpus: 0 }, 'q'),
      'Job queue "q" runs on Fargate, where "resources.vcpus" must be 0.25, 0.5, 1, 2, 4, 8 or 16 (it is 3). Change it in aws-batch.json. For 8192 MiB, "resources.vcpus" can be 1, 2 or 4.',
    );
  });

  test('GPUs are refused', () => {
    assert.match(
      fargateResourceProblem({ vcpus: 1, memory: 2048, gpus: 1 }, 'q') ?? '',
      /runs on Fargate, which has no GPUs\. Set "resources\.gpus" to 0/,
    );
  });

  test('without the fargate section: the execution role is asked for, with the queue account in the example', () => {
    assert.equal(accountOf(QUEUE_ARN), '210987654321');
    assert.equal(accountOf('priority-queue'), undefined);
    assert.equal(
      fargateProblem(config({}), 'priority-queue', QUEUE_ARN),
      'Job queue "priority-queue" runs on Fargate, which needs an execution role to pull the image from ECR and write logs. Add "fargate": { "executionRoleArn": "arn:aws:iam::210987654321:role/ecsTaskExecutionRole" } to aws-batch.json (the role needs the AmazonECSTaskExecutionRolePolicy managed policy).',
    );
    assert.equal(
      fargateProblem(config({ fargate: { executionRoleArn: ROLE } }), 'priority-queue', QUEUE_ARN),
      undefined,
    );
    assert.match(
      fargateProblem(
        config({ fargate: { executionRoleArn: ROLE }, resources: { vcpus: 2, memory: 2048 } }),
        'priority-queue',
        QUEUE_ARN,
      ) ?? '',
      /2 vCPU takes "resources\.memory" of 4096 to 16384 in steps of 1024 MiB/,
    );
  });
});
