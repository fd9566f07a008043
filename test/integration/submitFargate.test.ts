// Submit and Register on a Fargate job queue against the stand-ins: moto's priority-queue has the
// Fargate environment first, research-queue only EC2. The definition follows the queue; a Fargate
// queue without an execution role, or with a size Fargate does not offer, stops before the build.
import * as assert from 'node:assert/strict';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeJobDefinitionsCommand, DescribeJobsCommand, JobDefinition } from '@aws-sdk/client-batch';
import Docker from 'dockerode';
import { loadRunConfig } from '../../src/config/loadConfig';
import { SubmitError } from '../../src/shared/errors';
import {
  BUCKET,
  EXECUTION_ROLE,
  FARGATE_QUEUE,
  QUEUE,
  STAND_IN_ENV,
  TASK_COMMAND,
  TERMINAL,
  activeRevisions,
  assertNothingCreated,
  cleanUp,
  clients,
  configFile,
  jobsNamed,
  makeWorkspace,
  newCacheDir,
  pipeline,
  removeTempDirs,
  runResults,
  requireStandIns,
  submitError,
  suffix,
  waitForJob,
  writeFiles,
  type TestClients,
} from './submitFixture';

async function describeDefinition(aws: TestClients, arn: string): Promise<JobDefinition | undefined> {
  const out = await aws.sdkBatch.send(new DescribeJobDefinitionsCommand({ jobDefinitions: [arn] }));
  return out.jobDefinitions?.[0];
}

async function logText(jobStream: string | undefined): Promise<string> {
  assert.ok(jobStream, 'the job has no log stream');
  const logs = new CloudWatchLogsClient({});
  try {
    const events = await logs.send(
      new GetLogEventsCommand({ logGroupName: '/aws/batch/job', logStreamName: jobStream, startFromHead: true }),
    );
    return (events.events ?? []).map((event) => event.message).join('\n');
  } finally {
    logs.destroy();
  }
}

suite('Submit to Batch on a Fargate queue: Docker engine, registry and moto', function () {
  this.timeout(180_000);
  const id = suffix();
  const docker = new Docker();
  const cacheDir = newCacheDir();
  const created = { names: [] as string[], repositories: [] as string[], jobs: [] as { id: string; name: string }[] };
  let aws: TestClients;

  /** A workspace on the given queue; names are unique to the test. */
  function workspace(label: string, overrides: Record<string, unknown>) {
    const name = `fg-${label}-${id}`;
    const repository = `submit-fg-${label}-${id}`;
    created.names.push(name);
    created.repositories.push(repository);
    const config = {
      name,
      repository,
      jobQueue: FARGATE_QUEUE,
      results: { bucket: BUCKET },
      workers: 2,
      environment: STAND_IN_ENV,
      tasks: { command: TASK_COMMAND, count: 3 },
      ...overrides,
    };
    const dir = makeWorkspace({
      Dockerfile: 'FROM local/debian:bookworm\nRUN echo built > /built.txt\n',
      'aws-batch.json': configFile(config),
    });
    return { dir, name, repository, config };
  }

  async function fails(dir: string, run: 'submit' | 'register', lines: string[]): Promise<SubmitError> {
    const loaded = await loadRunConfig(dir);
    const runner = pipeline(aws, { cacheDir }, lines);
    return submitError(run === 'submit' ? runner.submit(loaded) : runner.register(loaded), run);
  }

  suiteSetup(async () => {
    requireStandIns();
    aws = await clients();
  });

  suiteTeardown(async () => {
    if (aws) await cleanUp(aws, docker, created);
    aws?.destroy();
    removeTempDirs();
  });

  const fargate = { executionRoleArn: EXECUTION_ROLE };

  test('Register registers a FARGATE definition with the execution role and network settings, once', async () => {
    const { dir, name } = workspace('register', { fargate, resources: { vcpus: 0.5, memory: 1024 } });
    const lines: string[] = [];
    const first = await pipeline(aws, { cacheDir }, lines).register(await loadRunConfig(dir));
    assert.equal(first.definition.registered, true);
    assert.ok(
      lines.includes(`Job queue ${FARGATE_QUEUE} runs on Fargate (compute environment research-fargate)`),
      lines.join('\n'),
    );

    const definition = await describeDefinition(aws, first.definition.arn);
    assert.deepEqual(definition?.platformCapabilities, ['FARGATE']);
    const container = definition?.containerProperties;
    assert.equal(container?.executionRoleArn, EXECUTION_ROLE);
    assert.deepEqual(container?.networkConfiguration, { assignPublicIp: 'DISABLED' });
    assert.deepEqual(container?.fargatePlatformConfiguration, { platformVersion: 'LATEST' });
    assert.deepEqual(Object.fromEntries((container?.resourceRequirements ?? []).map((r) => [r.type, r.value])), {
      VCPU: '0.5',
      MEMORY: '1024',
    });

    const second = await pipeline(aws, { cacheDir }).register(await loadRunConfig(dir));
    assert.equal(second.definition.registered, false);
    assert.equal(second.definition.arn, first.definition.arn);
    assert.deepEqual(await activeRevisions(aws, name), [first.definition.revision], 'two Registers, one revision');
  });

  test('a changed public IP setting registers a new revision and says what changed', async () => {
    const { dir, config } = workspace('publicip', { fargate });
    const first = await pipeline(aws, { cacheDir }).register(await loadRunConfig(dir));
    writeFiles(dir, { 'aws-batch.json': configFile({ ...config, fargate: { ...fargate, assignPublicIp: true } }) });
    const lines: string[] = [];
    const second = await pipeline(aws, { cacheDir }, lines).register(await loadRunConfig(dir));
    assert.equal(second.definition.registered, true);
    assert.deepEqual(second.definition.changed, ['assignPublicIp']);
    assert.ok(
      lines.some((line) => line.endsWith('(changed: assignPublicIp)')),
      lines.join('\n'),
    );
    assert.equal(second.image.pushed, false, 'the image did not change');
    assert.equal(second.definition.revision, first.definition.revision + 1);
    const definition = await describeDefinition(aws, second.definition.arn);
    assert.deepEqual(definition?.containerProperties?.networkConfiguration, { assignPublicIp: 'ENABLED' });
  });

  test('Submit runs the manager on the Fargate definition; its workers use the same definition and the run completes', async () => {
    const { dir, name } = workspace('submit', { fargate });
    const result = await pipeline(aws, { cacheDir }).submit(await loadRunConfig(dir));
    created.jobs.push({ id: result.jobId, name: result.jobName });
    assert.equal((await describeDefinition(aws, result.jobDefinitionArn))?.platformCapabilities?.[0], 'FARGATE');

    // moto runs a job on a Fargate queue as a container like any other (host network, no ECS metadata).
    const job = await waitForJob(aws, result.jobId, TERMINAL, 120_000);
    const text = await logText(job.container?.logStreamName);
    assert.equal(job.status, 'SUCCEEDED', `the manager ended ${job.status}; its output:\n${text}`);
    assert.ok(job.jobQueue?.endsWith(`/${FARGATE_QUEUE}`) || job.jobQueue === FARGATE_QUEUE, job.jobQueue);

    // moto lists the array job and its children ("<id>:<index>") under the same name.
    const workerIds = (await jobsNamed(aws, `${result.runId}-workers`, FARGATE_QUEUE)).filter(
      (id) => !id.includes(':'),
    );
    assert.equal(workerIds.length, 1, 'one array job of workers');
    const workers = (await aws.sdkBatch.send(new DescribeJobsCommand({ jobs: workerIds }))).jobs ?? [];
    assert.equal(workers[0]?.jobDefinition, result.jobDefinitionArn, 'the workers inherit the Fargate definition');

    assert.deepEqual(
      await runResults(aws, result.runId),
      [0, 1, 2].map((index) => ({ index, output: { square: index * index } })),
    );
    assert.deepEqual(await activeRevisions(aws, name), [result.definition.revision]);
  });

  test('Submit without an execution role: one message naming the fix, before anything is built or pushed', async () => {
    const { dir, name, repository } = workspace('norole', {});
    const lines: string[] = [];
    const error = await fails(dir, 'submit', lines);
    assert.equal(error.kind, 'config');
    assert.equal(
      error.message,
      `Job queue "${FARGATE_QUEUE}" runs on Fargate, which needs an execution role to pull the image from ECR and write logs. ` +
        'Add "fargate": { "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole" } to aws-batch.json ' +
        '(the role needs the AmazonECSTaskExecutionRolePolicy managed policy).',
    );
    assert.deepEqual(
      lines.filter((line) => /^(Build context|Built|Pushed|Push skipped)/.test(line)),
      [],
      'nothing was built or pushed',
    );
    await assertNothingCreated(aws, name, repository, FARGATE_QUEUE);
  });

  test('Register with a size Fargate does not offer: names the valid memory, creates nothing', async () => {
    const { dir, name, repository } = workspace('size', { fargate, resources: { vcpus: 2, memory: 2048 } });
    const lines: string[] = [];
    const error = await fails(dir, 'register', lines);
    assert.equal(error.kind, 'config');
    assert.match(
      error.message,
      /2 vCPU takes "resources\.memory" of 4096 to 16384 in steps of 1024 MiB \(it is 2048\)/,
    );
    assert.ok(!lines.some((line) => line.startsWith('Build context')), lines.join('\n'));
    await assertNothingCreated(aws, name, repository, FARGATE_QUEUE);
  });

  test('on an EC2 queue the fargate section is ignored, with one line saying so', async () => {
    const { dir } = workspace('ec2', { jobQueue: QUEUE, fargate });
    const lines: string[] = [];
    const result = await pipeline(aws, { cacheDir }, lines).register(await loadRunConfig(dir));
    assert.deepEqual(
      lines.filter((line) => line.includes('"fargate"')),
      [`The "fargate" settings in aws-batch.json are ignored: job queue ${QUEUE} runs on EC2`],
    );
    const definition = await describeDefinition(aws, result.definition.arn);
    assert.deepEqual(definition?.platformCapabilities, ['EC2']);
    assert.equal(definition?.containerProperties?.executionRoleArn, undefined);
    assert.equal(definition?.containerProperties?.networkConfiguration, undefined);
  });
});
