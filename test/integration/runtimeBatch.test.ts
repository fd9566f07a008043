// The runtime in moto's Docker-backed AWS Batch: an image FROM local/node:22 carrying
// dist/runtime.js, a manager job on research-queue that submits its workers as an array job; the
// workers connect back over TCP (host network), 20 tasks complete with results in moto's S3, and
// no worker job is left running.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  BatchClient,
  DeregisterJobDefinitionCommand,
  DescribeJobsCommand,
  ListJobsCommand,
  RegisterJobDefinitionCommand,
  SubmitJobCommand,
  TerminateJobCommand,
  type JobDetail,
  type JobStatus,
  type JobSummary,
} from '@aws-sdk/client-batch';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import Docker from 'dockerode';
import { awsConfig } from '../../src/runtime/aws';
import type { RunSpec } from '../../src/runtime/runSpec';
import { ROLE_MANAGER, ROLE_WORKER, TAG_MANAGER_JOB_ID, TAG_ROLE, TAG_RUN_ID } from '../../src/runtime/tags';
import { RUNTIME, buildRuntime, deletePrefix, sleep } from './runtimeSupport';

const BUCKET = 'batch-runner-results';
const QUEUE = 'research-queue';
const RUN_TIMEOUT_MS = 150_000;
const TERMINAL = new Set(['SUCCEEDED', 'FAILED']);

async function buildImage(docker: Docker, tag: string): Promise<void> {
  const context = mkdtempSync(join(tmpdir(), 'runtime-image-'));
  try {
    copyFileSync(RUNTIME, join(context, 'runtime.js'));
    // The spawn helper as the runtime layer has it (the build made it for this machine's x64).
    copyFileSync(join(dirname(RUNTIME), 'spawn-linux-x64'), join(context, 'spawn'));
    writeFileSync(
      join(context, 'Dockerfile'),
      'FROM local/node:22\nCOPY runtime.js /opt/batch-runner/runtime.js\nCOPY spawn /opt/batch-runner/spawn\n',
    );
    const stream = await docker.buildImage({ context, src: ['Dockerfile', 'runtime.js', 'spawn'] }, { t: tag });
    const events = await new Promise<{ error?: string }[]>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) =>
        err ? reject(err) : resolve(out),
      ),
    );
    const failed = events.find((e) => e.error);
    assert.equal(failed, undefined, `image build failed: ${failed?.error}`);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

async function describe(batch: BatchClient, jobId: string): Promise<JobDetail> {
  const job = (await batch.send(new DescribeJobsCommand({ jobs: [jobId] }))).jobs?.[0];
  assert.ok(job, `DescribeJobs does not know ${jobId}`);
  return job;
}

async function jobLog(logs: CloudWatchLogsClient, job: JobDetail): Promise<string> {
  const stream = job.container?.logStreamName;
  if (!stream) return '(no log stream)';
  const out = await logs
    .send(new GetLogEventsCommand({ logGroupName: '/aws/batch/job', logStreamName: stream, startFromHead: true }))
    .catch((error) => ({ events: [{ message: `(could not read the log: ${error})` }] }));
  return (out.events ?? []).map((e) => e.message).join('\n');
}

async function readObject(s3: S3Client, key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return out.Body!.transformToString();
}

suite('runtime: a run in moto Batch (Docker containers on the host network)', function () {
  const suffix = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const tag = `batch-runner-runtime-test:${suffix}`;
  let docker: Docker;
  let batch: BatchClient;
  let s3: S3Client;
  let logs: CloudWatchLogsClient;
  let jobDefinitionArn: string | undefined;
  const jobIds: string[] = [];
  const prefixes: string[] = [];

  suiteSetup(async function () {
    this.timeout(120_000);
    if (!process.env.AWS_ENDPOINT_URL)
      throw new Error('Start the stand-ins first: eval "$(bash scripts/backend.sh env)"');
    buildRuntime();
    docker = new Docker();
    batch = new BatchClient(awsConfig('BATCH'));
    s3 = new S3Client(awsConfig('S3'));
    logs = new CloudWatchLogsClient(awsConfig('BATCH'));
    await buildImage(docker, tag);
    const def = await batch.send(
      new RegisterJobDefinitionCommand({
        jobDefinitionName: `runtime-test-${suffix}`,
        type: 'container',
        containerProperties: {
          image: tag,
          command: ['node', '/opt/batch-runner/runtime.js', 'manager'],
          jobRoleArn: 'arn:aws:iam::123456789012:role/batch-runner-job-role',
          resourceRequirements: [
            { type: 'VCPU', value: '1' },
            { type: 'MEMORY', value: '512' },
          ],
          // moto's own MOTO_HTTP_ENDPOINT names host.docker.internal, which host-network containers
          // cannot resolve; the job gets the endpoint that works on the host network. Dummy keys
          // stand in for the job role's credentials.
          environment: [
            { name: 'AWS_ENDPOINT_URL', value: process.env.AWS_ENDPOINT_URL! },
            { name: 'AWS_REGION', value: process.env.AWS_REGION ?? 'us-east-1' },
            { name: 'AWS_ACCESS_KEY_ID', value: 'testing' },
            { name: 'AWS_SECRET_ACCESS_KEY', value: 'testing' },
            { name: 'BATCH_RUNNER_HEARTBEAT_SECONDS', value: '1' },
            { name: 'BATCH_RUNNER_MANAGER_TIMEOUT_SECONDS', value: '20' },
          ],
        },
      }),
    );
    jobDefinitionArn = def.jobDefinitionArn;
    assert.ok(jobDefinitionArn);
  });

  suiteTeardown(async function () {
    this.timeout(120_000);
    if (!docker) return;
    // Nothing this suite started may outlive it: jobs (their containers), the job definition, the image, the objects.
    for (const jobId of jobIds) {
      const job = await describe(batch, jobId).catch(() => undefined);
      const children = job?.arrayProperties?.size ?? 0;
      // An array parent runs no container (and in moto never ends when a child failed): its children count.
      const all = children > 0 ? Array.from({ length: children }, (_, i) => `${jobId}:${i}`) : [jobId];
      for (const id of all) {
        const status = (await describe(batch, id).catch(() => undefined))?.status;
        if (status && !TERMINAL.has(status))
          await batch.send(new TerminateJobCommand({ jobId: id, reason: 'test cleanup' }));
      }
      for (let i = 0; i < 60; i++) {
        const statuses = await Promise.all(
          all.map((id) =>
            describe(batch, id)
              .then((j) => j.status)
              .catch(() => 'GONE'),
          ),
        );
        if (statuses.every((s) => TERMINAL.has(String(s)) || s === 'GONE')) break;
        await sleep(1000);
      }
    }
    if (jobDefinitionArn)
      await batch.send(new DeregisterJobDefinitionCommand({ jobDefinition: jobDefinitionArn })).catch(() => undefined);
    // moto removes a job's container when the job ends; give it a moment before the image goes.
    for (let i = 0; i < 20; i++) {
      const users = await docker.listContainers({ all: true, filters: { ancestor: [tag] } });
      if (users.length === 0) break;
      await sleep(500);
    }
    await docker
      .getImage(tag)
      .remove({ force: true })
      .catch(() => undefined);
    for (const prefix of prefixes) await deletePrefix(s3, BUCKET, prefix).catch(() => undefined);
    batch.destroy();
    s3.destroy();
    logs.destroy();
  });

  /** Writes run.json for a new run and submits its manager job, as the Submit command does. */
  async function submitRun(name: string, spec: Omit<RunSpec, 'name' | 'runId'>, env: Record<string, string> = {}) {
    const runId = `${name}-${suffix}`;
    const prefix = `runtime-test/${runId}/`;
    prefixes.push(prefix);
    const full: RunSpec = { name, runId, ...spec };
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}run.json`, Body: JSON.stringify(full) }));
    const managerName = `${name}-${suffix}`;
    const environment = Object.entries({ ...env, BATCH_RUNNER_RUN_URI: `s3://${BUCKET}/${prefix}` }).map(
      ([n, value]) => ({ name: n, value }),
    );
    const submitted = await batch.send(
      new SubmitJobCommand({
        jobName: managerName,
        jobQueue: QUEUE,
        jobDefinition: jobDefinitionArn,
        containerOverrides: { environment },
        tags: { [TAG_RUN_ID]: runId, [TAG_ROLE]: ROLE_MANAGER },
      }),
    );
    const managerId = submitted.jobId!;
    jobIds.push(managerId);
    let workerJobId: string | undefined;
    /** The manager's array job of workers, once it exists. */
    const workers = async () => {
      if (!workerJobId) {
        const found = await batch.send(
          new ListJobsCommand({ jobQueue: QUEUE, filters: [{ name: 'JOB_NAME', values: [`${managerName}-workers`] }] }),
        );
        workerJobId = found.jobSummaryList?.[0]?.jobId;
        if (workerJobId) jobIds.push(workerJobId);
      }
      return workerJobId;
    };
    const children = async () => {
      const id = await workers();
      return id ? ((await batch.send(new ListJobsCommand({ arrayJobId: id }))).jobSummaryList ?? []) : [];
    };
    const childStatuses = async () => (await children()).map((j) => String(j.status));
    const waitForManager = async (timeoutMs = RUN_TIMEOUT_MS) => {
      const deadline = Date.now() + timeoutMs;
      let job = await describe(batch, managerId);
      while (!TERMINAL.has(job.status ?? '')) {
        assert.ok(Date.now() < deadline, `the manager job is still ${job.status} after ${timeoutMs / 1000} s`);
        await workers();
        await sleep(500);
        job = await describe(batch, managerId);
      }
      return { job, log: await jobLog(logs, job) };
    };
    return { runId, prefix, managerId, managerName, workers, children, childStatuses, waitForManager };
  }

  test('the manager submits its workers as an array job; 20 tasks complete with results in S3; no worker left running', async function () {
    this.timeout(RUN_TIMEOUT_MS + 60_000);
    const output =
      'require("fs").writeFileSync(process.env.TASK_OUTPUT_DIR+"/output.json",JSON.stringify({index:+process.env.TASK_INDEX,square:process.env.TASK_INDEX**2}))';
    const run = await submitRun('twenty', {
      workers: 3,
      tasks: { command: ['node', '-e', output], count: 20, retries: 1, slotsPerWorker: 2 },
      launchTimeoutSeconds: 120,
    });
    const { job: manager, log: managerLog } = await run.waitForManager();
    assert.equal(
      manager.status,
      'SUCCEEDED',
      `manager ${manager.status}: ${manager.statusReason ?? ''}\n${managerLog}`,
    );
    const prefix = run.prefix;

    // The workers: one array job of 3, named after the manager, tagged to link it to the run.
    const workerJobId = await run.workers();
    assert.ok(workerJobId, `no job named ${run.managerName}-workers\n${managerLog}`);
    const workers = await describe(batch, workerJobId);
    assert.equal(workers.arrayProperties?.size, 3);
    assert.deepEqual(workers.tags, {
      [TAG_RUN_ID]: run.runId,
      [TAG_ROLE]: ROLE_WORKER,
      [TAG_MANAGER_JOB_ID]: run.managerId,
    });
    assert.deepEqual(workers.container?.command?.slice(0, 4), [
      '/usr/local/bin/node',
      '/opt/batch-runner/runtime.js',
      'worker',
      '--manager',
    ]);
    const env = Object.fromEntries((workers.container?.environment ?? []).map((e) => [e.name, e.value]));
    assert.equal(env.BATCH_RUNNER_RUN_URI, `s3://${BUCKET}/${prefix}`);
    const secret = (await readObject(s3, `${prefix}secret`)).trim();
    assert.match(secret, /^[0-9a-f]{64}$/);
    assert.ok(!JSON.stringify(workers).includes(secret), 'the run secret appears in the worker job');
    assert.ok(!managerLog.includes(secret), 'the run secret appears in the manager log');
    assert.match(managerLog, /worker 2 connected from .* \(.*:2\)/);
    // The workers started their tasks through the spawn helper in the image.
    const workerLog = await jobLog(logs, await describe(batch, `${workerJobId}:0`));
    assert.match(workerLog, /tasks start through the spawn helper/, workerLog);

    // No worker job left alive; each ended by itself after the manager's shutdown.
    assert.deepEqual(await run.childStatuses(), ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    // Asked status by status, as the manager does: every child of a successful run SUCCEEDED.
    const statuses: JobStatus[] = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED'];
    for (const jobStatus of statuses) {
      const listed: JobSummary[] =
        (await batch.send(new ListJobsCommand({ arrayJobId: workerJobId, jobStatus }))).jobSummaryList ?? [];
      const ids = listed.filter((j) => j.status === jobStatus).map((j) => j.jobId);
      assert.equal(ids.length, jobStatus === 'SUCCEEDED' ? 3 : 0, `${jobStatus}: ${ids.join(', ')}\n${managerLog}`);
    }

    // The results in moto's S3.
    const results = (await readObject(s3, `${prefix}results.jsonl`))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      results.map((r) => [r.index, r.output.square]),
      Array.from({ length: 20 }, (_, i) => [i, i * i]),
    );
    const summary = JSON.parse(await readObject(s3, `${prefix}summary.json`));
    assert.equal(summary.status, 'succeeded');
    assert.equal(summary.tasks.succeeded, 20);
    assert.equal(summary.workers.everConnected, 3);
    assert.equal(summary.workers.workerJobId, workerJobId);
    assert.deepEqual(JSON.parse(await readObject(s3, `${prefix}tasks/13/output.json`)).square, 169);
    const progress = JSON.parse(await readObject(s3, `${prefix}progress.json`));
    assert.equal(progress.state, 'succeeded');
    assert.ok(Number.isInteger(progress.seq) && progress.seq >= 2, `seq ${progress.seq}`);
    assert.equal(progress.managerJobId, run.managerId);
    assert.equal(progress.workerJobId, workerJobId);
    assert.ok(progress.usage.workerSeconds > 0, `usage ${JSON.stringify(progress.usage)}`);
    assert.ok(progress.usage.managerSeconds > 0, `usage ${JSON.stringify(progress.usage)}`);
    assert.deepEqual([progress.usage.vcpus, progress.usage.memoryMiB], [1, 512]);
    assert.ok(summary.usage.workerSeconds > 0 && summary.managerJobId === run.managerId, JSON.stringify(summary));
  });

  test('workers that cannot connect: the run fails at the launch timeout and the manager terminates them', async function () {
    this.timeout(RUN_TIMEOUT_MS);
    // The manager listens on 127.0.0.1 but tells its workers 127.0.0.2: they never get through.
    const run = await submitRun(
      'unreachable',
      { workers: 2, tasks: { command: ['true'], count: 4 }, launchTimeoutSeconds: 3 },
      { BATCH_RUNNER_BIND_ADDRESS: '127.0.0.1', BATCH_RUNNER_ADVERTISE_ADDRESS: '127.0.0.2' },
    );
    const { job, log } = await run.waitForManager(60_000);
    assert.equal(job.status, 'FAILED', log);
    assert.match(log, /0 of the 1 workers needed connected within 3 s of the first worker starting/);
    // The manager terminated both before it exited (they would otherwise retry for 20 s).
    assert.deepEqual(await run.childStatuses(), ['FAILED', 'FAILED'], log);
    const summary = JSON.parse(await readObject(s3, `${run.prefix}summary.json`));
    assert.deepEqual([summary.status, summary.exitCode, summary.workers.everConnected], ['failed', 3, 0]);
  });

  test('the manager job terminated mid-run: its workers exit on their own within the manager timeout', async function () {
    this.timeout(RUN_TIMEOUT_MS);
    const run = await submitRun(
      'orphans',
      { workers: 2, tasks: { command: ['sleep', '300'], count: 4 } },
      { BATCH_RUNNER_MANAGER_TIMEOUT_SECONDS: '4' },
    );
    const deadline = Date.now() + 60_000;
    for (;;) {
      const progress = await readObject(s3, `${run.prefix}progress.json`).then(JSON.parse, () => undefined);
      // Handed out: one running per worker, and the prefetch (waiting on its worker) counts too.
      if ((progress?.tasks?.running ?? 0) >= 2) break;
      assert.ok(Date.now() < deadline, `the workers never started their tasks: ${JSON.stringify(progress)}`);
      await sleep(500);
    }
    assert.deepEqual(await run.childStatuses(), ['RUNNING', 'RUNNING']);
    // moto kills the container (SIGKILL): no chance for the manager to clean up.
    await batch.send(new TerminateJobCommand({ jobId: run.managerId, reason: 'test: manager lost' }));
    const killedAt = Date.now();
    let statuses = await run.childStatuses();
    while (statuses.some((s) => !TERMINAL.has(s))) {
      assert.ok(Date.now() - killedAt < 30_000, `workers still ${statuses.join(', ')} 30 s after the manager died`);
      await sleep(500);
      statuses = await run.childStatuses();
    }
    const seconds = (Date.now() - killedAt) / 1000;
    // 4 s of retrying plus moto's container polling; far below the 300 s the tasks would take.
    assert.ok(seconds < 15, `workers took ${seconds} s to leave`);
    // They exit with code 4 ("lost the manager"), which Batch records as FAILED.
    assert.deepEqual(statuses, ['FAILED', 'FAILED']);
    assert.deepEqual(
      (await run.children()).map((j) => j.container?.exitCode),
      [4, 4],
    );
  });
});
