// Set Up and Tear Down against moto's CloudFormation (scripts/backend.sh up): the shipped template
// deploys, its queue is usable by Batch, the outputs fill aws-batch.json, a Submit through the
// product's pipeline runs on the new queue and writes its results to the new bucket, and Tear Down
// removes it.
// Each stack has a name of its own, so runs in parallel do not meet.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  BatchClient,
  DeleteComputeEnvironmentCommand,
  DeleteJobQueueCommand,
  DescribeComputeEnvironmentsCommand,
  DescribeJobQueuesCommand,
  UpdateComputeEnvironmentCommand,
  UpdateJobQueueCommand,
} from '@aws-sdk/client-batch';
import {
  DeleteInternetGatewayCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { GetObjectCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import Docker from 'dockerode';
import { loadRunConfig } from '../../src/config/loadConfig';
import { DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import { parse } from 'jsonc-parser';
import { createAwsClients, type AwsClients } from '../../src/aws/clients';
import { JobQueuesModel } from '../../src/models/jobQueuesModel';
import { explainAwsError } from '../../src/shared/awsProblem';
import { applySetupOutputs, type SetupChoices } from '../../src/aws/setupPlan';
import {
  createSetupClients,
  deleteStack,
  deployStack,
  describeStack,
  findDefaultVpc,
  type SetupClients,
  type SetupEvent,
} from '../../src/aws/setupStack';
import {
  STAND_IN_ENV,
  TASK_COMMAND,
  TERMINAL,
  cleanUp,
  clients,
  jobsNamed,
  makeWorkspace,
  newCacheDir,
  pipeline,
  removeTempDirs,
  requireStandIns,
  waitForJob,
  type TestClients,
} from './submitFixture';

const template = readFileSync(resolve(__dirname, '../../../resources/batch-setup.yaml'), 'utf8');
const unique = () => `i14setup-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e4)}`;

suite('Set Up / Tear Down against moto', function () {
  this.timeout(120_000);
  let setup: SetupClients;
  let aws: AwsClients;
  let batch: BatchClient;
  const stacks: string[] = [];

  suiteSetup(async () => {
    setup = await createSetupClients({});
    aws = await createAwsClients({});
    batch = new BatchClient({});
  });

  suiteTeardown(async () => {
    for (const name of stacks) {
      if (await describeStack(setup.cloudFormation, name).catch(() => undefined)) {
        await deleteStack(setup.cloudFormation, aws.s3, name, true, { pollMs: 200 }).catch(() => undefined);
      }
      await removeLeftoverBatch(batch, name);
      await removeLeftoverVpc(setup.ec2, name);
    }
    setup.destroy();
    aws.destroy();
    batch.destroy();
  });

  test("Fargate Spot on the default VPC's subnets: queue, bucket, repository and roles; aws-batch.json filled; Tear Down removes it", async () => {
    const vpc = await findDefaultVpc(setup.ec2);
    assert.ok(vpc, 'moto has a default VPC');
    const stackName = unique();
    stacks.push(stackName);
    const choices: SetupChoices = {
      stackName,
      computeType: 'FARGATE_SPOT',
      maxVcpus: 16,
      gpu: false,
      network: { kind: 'existing', ...vpc },
    };
    const events: SetupEvent[] = [];
    const outputs = await deployStack(setup.cloudFormation, template, choices, {
      pollMs: 200,
      onEvent: (e) => events.push(e),
    });
    assert.ok(events.length > 0, 'stack events are reported');
    assert.match(outputs.jobQueueArn ?? '', /^arn:aws:batch:us-east-1:\d{12}:job-queue\//);
    assert.equal(outputs.repositoryName, stackName.toLowerCase());
    assert.match(outputs.jobRoleArn ?? '', /:role\/batch-runner\//);
    assert.match(outputs.executionRoleArn ?? '', /:role\/batch-runner\//);

    // The queue is a Batch queue on a Fargate Spot environment in the default VPC's subnets.
    const queue = (await batch.send(new DescribeJobQueuesCommand({ jobQueues: [outputs.jobQueueArn!] }))).jobQueues![0];
    assert.equal(queue.state, 'ENABLED');
    const ceArn = queue.computeEnvironmentOrder![0].computeEnvironment!;
    const ce = (await batch.send(new DescribeComputeEnvironmentsCommand({ computeEnvironments: [ceArn] })))
      .computeEnvironments![0];
    assert.equal(ce.computeResources?.type, 'FARGATE_SPOT');
    assert.equal(ce.computeResources?.maxvCpus, 16);
    assert.deepEqual([...(ce.computeResources?.subnets ?? [])].sort(), [...vpc.subnetIds].sort());

    // The Job Queues view's model lists the new queue with its Fargate Spot environment.
    const model = new JobQueuesModel(aws.batch, (error) => explainAwsError(error, 'AWS'));
    await model.refresh();
    const node = model.roots().find((root) => root.arn === outputs.jobQueueArn);
    assert.ok(node, 'the queue shows in the Job Queues view');

    // The security group lets the jobs reach each other (workers → manager) and nothing else in.
    const [groupId] = ce.computeResources!.securityGroupIds!;
    const group = (await setup.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }))).SecurityGroups![0];
    const ingress = group.IpPermissions ?? [];
    assert.ok(
      ingress.some(
        (rule) => rule.IpProtocol === 'tcp' && rule.UserIdGroupPairs?.some((pair) => pair.GroupId === groupId),
      ),
      'TCP from the group itself',
    );
    assert.ok(!ingress.some((rule) => rule.IpRanges?.length), 'no ingress from address ranges');

    // The results bucket and the repository exist. (moto's CloudFormation does not apply a bucket's
    // LifecycleConfiguration; test/unit/setupPlan.test.ts checks the template's rule.)
    await aws.s3.send(new HeadBucketCommand({ Bucket: outputs.resultsBucket! }));
    await aws.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [outputs.repositoryName!] }));

    // aws-batch.json gets the outputs, keeping what the user wrote.
    const before = '{\n  // mine\n  "name": "sim",\n  "tasks": { "command": ["true"], "count": 2 }\n}\n';
    const written = applySetupOutputs(before, outputs, 'folder');
    const config = parse(written) as Record<string, unknown>;
    assert.match(written, /\/\/ mine/);
    assert.equal(config.jobQueue, outputs.jobQueueArn);
    assert.deepEqual(config.results, { bucket: outputs.resultsBucket, prefix: 'runs/' });
    assert.deepEqual(config.fargate, { executionRoleArn: outputs.executionRoleArn, assignPublicIp: true });

    // A run folder in the bucket; Tear Down with the results deletes it all.
    await aws.s3.send(new PutObjectCommand({ Bucket: outputs.resultsBucket!, Key: 'runs/r1/run.json', Body: '{}' }));
    const result = await deleteStack(setup.cloudFormation, aws.s3, stackName, true, { pollMs: 200 });
    assert.equal(result.keptBucket, undefined);
    assert.equal(await describeStack(setup.cloudFormation, stackName), undefined);
    // (moto's CloudFormation does not delete Batch resources; AWS does. The suite's clean-up removes them.)
    await assert.rejects(() => aws.s3.send(new HeadBucketCommand({ Bucket: outputs.resultsBucket! })));
  });

  test('EC2 Spot with GPU instances in a new VPC: SPOT environment, g4dn/g5, the new public subnets', async () => {
    const stackName = unique();
    stacks.push(stackName);
    const outputs = await deployStack(
      setup.cloudFormation,
      template,
      { stackName, computeType: 'EC2_SPOT', maxVcpus: 32, gpu: true, network: { kind: 'new' } },
      { pollMs: 200 },
    );
    assert.equal(outputs.publicSubnets, true);
    const queue = (await batch.send(new DescribeJobQueuesCommand({ jobQueues: [outputs.jobQueueArn!] }))).jobQueues![0];
    const ce = (
      await batch.send(
        new DescribeComputeEnvironmentsCommand({
          computeEnvironments: [queue.computeEnvironmentOrder![0].computeEnvironment!],
        }),
      )
    ).computeEnvironments![0];
    assert.equal(ce.computeResources?.type, 'SPOT');
    assert.deepEqual(ce.computeResources?.instanceTypes, ['g4dn', 'g5']);
    assert.match(ce.computeResources?.instanceRole ?? '', /instance-profile\/batch-runner\//);
    const subnets = await setup.ec2.send(new DescribeSubnetsCommand({ SubnetIds: ce.computeResources!.subnets }));
    const vpcs = new Set(subnets.Subnets!.map((subnet) => subnet.VpcId));
    assert.equal(vpcs.size, 1);
    const [vpcId] = vpcs;
    const vpc = (await setup.ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId!] }))).Vpcs![0];
    assert.equal(vpc.CidrBlock, '10.42.0.0/16');

    // moto's CloudFormation cannot delete a route table or a gateway attachment (AWS can): the
    // deletion may stop on the VPC there, and the clean-up below removes what moto left.
    await deleteStack(setup.cloudFormation, aws.s3, stackName, true, { pollMs: 200 }).catch((error: Error) =>
      assert.match(error.message, /DependencyViolation|dependencies/),
    );
  });

  test('a stack that fails says which resource and why', async () => {
    const stackName = unique();
    stacks.push(stackName);
    // An ECR repository name AWS refuses (a template of that one resource, so nothing is left behind).
    const bad = [
      "AWSTemplateFormatVersion: '2010-09-09'",
      'Resources:',
      '  Repository:',
      '    Type: AWS::ECR::Repository',
      "    Properties: { RepositoryName: 'Not_A_Valid_Name' }",
    ].join('\n');
    await assert.rejects(
      () =>
        deployStack(
          setup.cloudFormation,
          bad,
          { stackName, computeType: 'FARGATE', maxVcpus: 4, gpu: false, network: { kind: 'new' } },
          { pollMs: 200 },
        ),
      (error: Error) => /cloudformation:CreateStack failed: .*repositoryName/i.test(error.message),
    );
  });
});

suite('Set Up, then Submit on the new queue (moto runs the jobs)', function () {
  this.timeout(240_000);
  const docker = new Docker();
  const cacheDir = newCacheDir();
  const created = { names: [] as string[], repositories: [] as string[], jobs: [] as { id: string; name: string }[] };
  let setup: SetupClients;
  let aws: TestClients;
  let stackName: string | undefined;

  suiteSetup(async () => {
    requireStandIns();
    setup = await createSetupClients({});
    aws = await clients();
  });

  suiteTeardown(async () => {
    // The jobs and what the Submit made first (their containers, definition, image), then the stack
    // with its bucket's contents, then what moto's CloudFormation leaves of it.
    if (aws) await cleanUp(aws, docker, created);
    if (stackName && setup && aws) {
      if (await describeStack(setup.cloudFormation, stackName).catch(() => undefined))
        await deleteStack(setup.cloudFormation, aws.s3, stackName, true, { pollMs: 200 }).catch(() => undefined);
      const batch = new BatchClient({});
      await removeLeftoverBatch(batch, stackName).catch(() => undefined);
      batch.destroy();
    }
    setup?.destroy();
    aws?.destroy();
    removeTempDirs();
  });

  test("a Fargate Spot stack's outputs in aws-batch.json are enough for a run: the manager and its workers run there and the results land in the new bucket", async () => {
    const vpc = await findDefaultVpc(setup.ec2);
    assert.ok(vpc, 'moto has a default VPC');
    stackName = unique();
    const outputs = await deployStack(
      setup.cloudFormation,
      template,
      { stackName, computeType: 'FARGATE_SPOT', maxVcpus: 16, gpu: false, network: { kind: 'existing', ...vpc } },
      { pollMs: 200 },
    );
    const queueName = outputs.jobQueueArn!.split('/').pop()!;

    // What Set Up writes, plus what a user adds: the tasks (and, on the stand-in only, the
    // environment a job role and ECS would give the containers in AWS).
    const name = `${stackName}-run`;
    created.names.push(name);
    created.repositories.push(outputs.repositoryName!);
    const mine = JSON.stringify(
      { name, workers: 2, environment: STAND_IN_ENV, tasks: { command: TASK_COMMAND, count: 3 } },
      null,
      2,
    );
    const config = applySetupOutputs(mine, outputs, 'folder');
    const dir = makeWorkspace({
      Dockerfile: 'FROM local/debian:bookworm\nRUN echo built > /built.txt\n',
      'aws-batch.json': config,
    });

    const result = await pipeline(aws, { cacheDir }).submit(await loadRunConfig(dir));
    created.jobs.push({ id: result.jobId, name: result.jobName });
    assert.equal(result.queue, outputs.jobQueueArn);
    assert.match(result.runUri, new RegExp(`^s3://${outputs.resultsBucket}/runs/${name}-`));

    const job = await waitForJob(aws, result.jobId, TERMINAL, 180_000);
    assert.equal(job.status, 'SUCCEEDED', `the manager ended ${job.status}: ${job.statusReason ?? ''}`);
    assert.ok(job.jobQueue === outputs.jobQueueArn || job.jobQueue?.endsWith(`/${queueName}`), job.jobQueue);
    const workers = (await jobsNamed(aws, `${result.runId}-workers`, outputs.jobQueueArn)).filter(
      (id) => !id.includes(':'),
    );
    assert.equal(workers.length, 1, 'the workers are one array job on the same queue');

    const object = await aws.s3.send(
      new GetObjectCommand({ Bucket: outputs.resultsBucket!, Key: `runs/${result.runId}/results.jsonl` }),
    );
    const rows = (await object.Body!.transformToString())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    assert.deepEqual(
      rows,
      [0, 1, 2].map((index) => ({ index, output: { square: index * index } })),
    );
  });
});

/** Disables and deletes the stack's queue and compute environment: moto's CloudFormation leaves them. */
async function removeLeftoverBatch(batch: BatchClient, stackName: string): Promise<void> {
  const queues = (await batch.send(new DescribeJobQueuesCommand({}))).jobQueues ?? [];
  for (const queue of queues.filter((q) => q.jobQueueName?.startsWith(`${stackName}-`))) {
    await batch.send(new UpdateJobQueueCommand({ jobQueue: queue.jobQueueArn, state: 'DISABLED' }));
    await batch.send(new DeleteJobQueueCommand({ jobQueue: queue.jobQueueArn }));
  }
  const environments = (await batch.send(new DescribeComputeEnvironmentsCommand({}))).computeEnvironments ?? [];
  for (const ce of environments.filter((c) => c.computeEnvironmentName?.startsWith(`${stackName}-`))) {
    await batch.send(
      new UpdateComputeEnvironmentCommand({ computeEnvironment: ce.computeEnvironmentArn, state: 'DISABLED' }),
    );
    await batch.send(new DeleteComputeEnvironmentCommand({ computeEnvironment: ce.computeEnvironmentArn }));
  }
}

/** Deletes what moto's CloudFormation leaves of a stack's VPC (tagged with the stack's name). */
async function removeLeftoverVpc(ec2: EC2Client, stackName: string): Promise<void> {
  const vpcs = await ec2.send(
    new DescribeVpcsCommand({ Filters: [{ Name: 'tag:aws:cloudformation:stack-name', Values: [stackName] }] }),
  );
  for (const { VpcId } of vpcs.Vpcs ?? []) {
    const byVpc = [{ Name: 'vpc-id', Values: [VpcId!] }];
    const gateways = await ec2.send(
      new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [VpcId!] }] }),
    );
    for (const gateway of gateways.InternetGateways ?? []) {
      await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: gateway.InternetGatewayId, VpcId }));
      await ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: gateway.InternetGatewayId }));
    }
    for (const subnet of (await ec2.send(new DescribeSubnetsCommand({ Filters: byVpc }))).Subnets ?? []) {
      await ec2.send(new DeleteSubnetCommand({ SubnetId: subnet.SubnetId }));
    }
    for (const table of (await ec2.send(new DescribeRouteTablesCommand({ Filters: byVpc }))).RouteTables ?? []) {
      if (table.Associations?.some((association) => association.Main)) continue;
      await ec2.send(new DeleteRouteTableCommand({ RouteTableId: table.RouteTableId }));
    }
    for (const group of (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: byVpc }))).SecurityGroups ?? []) {
      if (group.GroupName === 'default') continue;
      await ec2.send(new DeleteSecurityGroupCommand({ GroupId: group.GroupId })).catch(() => undefined);
    }
    await ec2.send(new DeleteVpcCommand({ VpcId }));
  }
}
