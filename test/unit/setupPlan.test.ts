// Set Up without AWS: the choices as template parameters, the outputs written into aws-batch.json,
// the shipped template's promises (lifecycle rule, the workers' port, the outputs), and a rollback
// that names the failing resource (a fake CloudFormation client).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { parse } from 'jsonc-parser';
import { applySetupOutputs, setupParameters, validateStackName, type SetupChoices } from '../../src/aws/setupPlan';
import { deployStack, StackFailedError } from '../../src/aws/setupStack';

const root = resolve(__dirname, '../../..');
const template = readFileSync(resolve(root, 'resources/batch-setup.yaml'), 'utf8');

const choices: SetupChoices = {
  stackName: 'Team-Batch',
  computeType: 'EC2_SPOT',
  maxVcpus: 128,
  gpu: true,
  network: { kind: 'existing', vpcId: 'vpc-1', subnetIds: ['subnet-a', 'subnet-b'] },
};

const outputs = {
  jobQueueArn: 'arn:aws:batch:us-east-1:123456789012:job-queue/q',
  resultsBucket: 'team-results',
  repositoryName: 'team-batch',
  jobRoleArn: 'arn:aws:iam::123456789012:role/batch-runner/job',
  executionRoleArn: 'arn:aws:iam::123456789012:role/batch-runner/exec',
  computeType: 'FARGATE_SPOT',
  publicSubnets: true,
};

suite('Set Up plan', () => {
  test('choices become the template parameters', () => {
    assert.deepEqual(setupParameters(choices), {
      ComputeType: 'EC2_SPOT',
      MaxVcpus: '128',
      Gpu: 'true',
      RepositoryName: 'team-batch',
      ResultsRetentionDays: '90',
      VpcId: 'vpc-1',
      SubnetIds: 'subnet-a,subnet-b',
    });
    const fargate = setupParameters({ ...choices, computeType: 'FARGATE', network: { kind: 'new' } });
    assert.equal(fargate.Gpu, 'false', 'no GPUs on Fargate');
    assert.equal(fargate.VpcId, undefined, 'a new VPC');
    assert.throws(() => setupParameters({ ...choices, maxVcpus: 0 }));
    assert.ok(validateStackName('1-bad'));
    assert.equal(validateStackName('aws-batch-runner'), undefined);
  });

  test('every parameter and output the code uses is in the template', () => {
    for (const name of [...Object.keys(setupParameters(choices)), 'VpcId', 'SubnetIds']) {
      assert.match(template, new RegExp(`^  ${name}:\\n    Type:`, 'm'), `parameter ${name}`);
    }
    for (const name of [
      'JobQueueArn',
      'ResultsBucketName',
      'RepositoryName',
      'JobRoleArn',
      'ExecutionRoleArn',
      'ComputeType',
      'PublicSubnets',
    ]) {
      assert.match(template.slice(template.indexOf('\nOutputs:')), new RegExp(`^  ${name}:`, 'm'), `output ${name}`);
    }
  });

  test('the template: run folders expire, workers reach the manager from the group itself, roles are least privilege', () => {
    assert.match(template, /Prefix: runs\/\n\s+ExpirationInDays: !Ref ResultsRetentionDays/);
    assert.match(template, /SourceSecurityGroupId: !GetAtt JobSecurityGroup\.GroupId\n\s+IpProtocol: tcp/);
    assert.doesNotMatch(template, /SecurityGroupIngress:\n\s+- .*CidrIp/, 'no ingress from address ranges');
    assert.match(template, /Action: batch:TerminateJob[\s\S]*aws:ResourceTag\/batch-runner:role: worker/);
    assert.match(template, /Resource: !Sub \$\{ResultsBucket\.Arn\}\/runs\/\*/);
    assert.match(template, /AmazonECSTaskExecutionRolePolicy/);
    assert.match(template, /FARGATE_SPOT/);
    assert.match(template, /g4dn, g5/);
  });

  test('outputs go into a new aws-batch.json', () => {
    const config = parse(applySetupOutputs(undefined, outputs, 'My Project')) as Record<string, unknown>;
    assert.deepEqual(config, {
      name: 'My-Project',
      jobQueue: outputs.jobQueueArn,
      results: { bucket: 'team-results', prefix: 'runs/' },
      repository: 'team-batch',
      jobRoleArn: outputs.jobRoleArn,
      fargate: { executionRoleArn: outputs.executionRoleArn, assignPublicIp: true },
    });
  });

  test('an existing aws-batch.json keeps its comments and settings; EC2 queues get no fargate section', () => {
    const before =
      '{\n  // my run\n  "name": "sim",\n  "jobQueue": "old",\n  "tasks": { "command": ["run"], "count": 3 }\n}\n';
    const after = applySetupOutputs(before, { ...outputs, computeType: 'EC2' }, 'x');
    assert.match(after, /\/\/ my run/);
    const config = parse(after) as Record<string, unknown>;
    assert.equal(config.name, 'sim');
    assert.equal(config.jobQueue, outputs.jobQueueArn);
    assert.deepEqual(config.tasks, { command: ['run'], count: 3 });
    assert.equal(config.fargate, undefined);
    assert.throws(() => applySetupOutputs('[1, 2]', outputs, 'x'), /not a JSON object/);
  });

  test('a rollback names the resource that failed first and its reason', async () => {
    let describes = 0;
    const t0 = new Date();
    const event = (id: string, resource: string, status: string, reason?: string, ms = 0) => ({
      EventId: id,
      LogicalResourceId: resource,
      ResourceType: resource === 'stack' ? 'AWS::CloudFormation::Stack' : 'AWS::Batch::ComputeEnvironment',
      ResourceStatus: status,
      ResourceStatusReason: reason,
      Timestamp: new Date(t0.getTime() + ms),
    });
    const fake = {
      send: async (command: { constructor: { name: string } }) => {
        switch (command.constructor.name) {
          case 'DescribeStacksCommand':
            describes++;
            if (describes === 1) throw new Error('Stack with id stack does not exist');
            return {
              Stacks: [{ StackId: 'id', StackStatus: describes < 3 ? 'CREATE_IN_PROGRESS' : 'ROLLBACK_COMPLETE' }],
            };
          case 'CreateStackCommand':
            return { StackId: 'id' };
          case 'DescribeStackEventsCommand':
            // Newest first, as CloudFormation returns them.
            return {
              StackEvents: [
                event('4', 'stack', 'ROLLBACK_COMPLETE', undefined, 40),
                event('3', 'JobQueue', 'CREATE_FAILED', 'Resource creation cancelled', 30),
                event('2', 'ComputeEnvironment', 'CREATE_FAILED', 'Subnet subnet-x does not exist', 20),
                event('1', 'ComputeEnvironment', 'CREATE_IN_PROGRESS', undefined, 10),
              ],
            };
          default:
            throw new Error(`unexpected ${command.constructor.name}`);
        }
      },
    } as unknown as CloudFormationClient;
    const seen: string[] = [];
    await assert.rejects(
      () =>
        deployStack(
          fake,
          template,
          { ...choices, stackName: 'stack' },
          {
            pollMs: 1,
            onEvent: (e) => seen.push(`${e.resource} ${e.status}`),
          },
        ),
      (error: unknown) => {
        assert.ok(error instanceof StackFailedError);
        assert.equal(error.status, 'ROLLBACK_COMPLETE');
        assert.match(
          error.message,
          /ComputeEnvironment \(AWS::Batch::ComputeEnvironment\) failed: Subnet subnet-x does not exist/,
        );
        return true;
      },
    );
    assert.deepEqual(seen.slice(0, 2), ['ComputeEnvironment CREATE_IN_PROGRESS', 'ComputeEnvironment CREATE_FAILED']);
  });
});
