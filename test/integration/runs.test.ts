// Runs observed the way the Runs view sees them, on the stand-ins: real runs submitted by the Submit
// pipeline (the bundled runtime in the pushed image, manager and workers as moto job containers),
// followed through the RunsModel over real S3 and Batch calls, from start to finish; Cancel Run,
// Re-run Failed Tasks and a killed manager on the same runs.
import * as assert from 'node:assert/strict';
import { ListJobsCommand, type JobStatus } from '@aws-sdk/client-batch';
import Docker from 'dockerode';
import { loadRunConfig } from '../../src/config/loadConfig';
import { createRunFilesApi } from '../../src/aws/runFilesS3';
import { describeError } from '../../src/shared/awsProblem';
import { RunsModel } from '../../src/models/runs/runsModel';
import type { RunNode } from '../../src/models/runs/runNodes';
import { ACTIVE_STATES, type RunState, type RunStatus } from '../../src/models/runs/runStatus';
import { cancelRun, rerunFailedTasks } from '../../src/submit/runActions';
import type { SubmittedRun } from '../../src/submit/types';
import {
  type TestClients,
  BUCKET,
  QUEUE,
  STAND_IN_ENV,
  cleanUp,
  clients,
  configFile,
  makeWorkspace,
  newCacheDir,
  pipeline,
  removeTempDirs,
  requireStandIns,
  suffix,
  writeFiles,
} from './submitFixture';

/** moto leaves an array parent SUBMITTED after its children end: what matters is that nothing waits or runs. */
const ALIVE: JobStatus[] = ['RUNNABLE', 'STARTING', 'RUNNING'];

/** Task 3 fails (exit 3, after printing why); the others write an output.json. */
const FAILS_AT_3 = [
  'sh',
  '-c',
  'if [ "${index}" = 3 ]; then echo "reading seed ${index}"; echo "bad seed: ${index}" >&2; exit 3; fi; echo "{\\"i\\": ${index}}" > "$TASK_OUTPUT_DIR/output.json"',
];
const SLOW = ['sh', '-c', 'sleep 300'];

suite('Runs on the stand-ins: the runs model follows real runs', function () {
  this.timeout(240_000);
  const id = suffix();
  const name = `runs-${id}`;
  const repository = `runs-it-${id}`;
  const docker = new Docker();
  const cacheDir = newCacheDir();
  const created = { names: [name], repositories: [repository], jobs: [] as { id: string; name: string }[] };
  let aws: TestClients;
  let workspace: string;
  let model: RunsModel;
  const finished: RunStatus[] = [];
  let failedRun: SubmittedRun;

  const config = (tasks: { command: string[]; count: number }, workers = 2) =>
    configFile({
      name,
      repository,
      jobQueue: QUEUE,
      results: { bucket: BUCKET, prefix: `runs/` },
      workers,
      environment: { ...STAND_IN_ENV },
      tasks: { ...tasks, retries: 0 },
    });

  async function submit(tasks: { command: string[]; count: number }, workers = 2): Promise<SubmittedRun> {
    writeFiles(workspace, { 'aws-batch.json': config(tasks, workers) });
    const run = await pipeline(aws, { cacheDir }).submit(await loadRunConfig(workspace));
    created.jobs.push({ id: run.jobId, name: run.jobName });
    model.addSubmitted(run);
    assert.equal(model.get(run.runUri)?.state, 'starting', 'a submitted run shows at once');
    return run;
  }

  /** Refreshes the model every second until `done`; returns the states seen on the way. */
  async function follow(run: { runUri: string }, done: (status: RunStatus) => boolean, ms = 180_000) {
    const seen: RunState[] = [];
    const deadline = Date.now() + ms;
    for (;;) {
      await model.refresh();
      const status = model.get(run.runUri);
      if (status && seen[seen.length - 1] !== status.state) seen.push(status.state);
      if (status && done(status)) return { status, seen };
      if (Date.now() > deadline)
        assert.fail(`run ${run.runUri}: states ${seen.join(' → ')}; ${JSON.stringify(status)}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  async function aliveJobsOf(run: SubmittedRun): Promise<string[]> {
    const alive: string[] = [];
    for (const jobStatus of ALIVE) {
      const out = await aws.sdkBatch.send(new ListJobsCommand({ jobQueue: QUEUE, jobStatus }));
      for (const job of out.jobSummaryList ?? []) {
        if (job.status === jobStatus && job.jobName?.startsWith(run.runId)) alive.push(`${job.jobName} ${job.status}`);
      }
    }
    return alive;
  }

  async function containersOf(run: SubmittedRun): Promise<string[]> {
    const containers = await docker.listContainers({ all: false });
    return containers.flatMap((c) => c.Names).filter((n) => n.includes(run.runId));
  }

  suiteSetup(async () => {
    requireStandIns();
    aws = await clients();
    workspace = makeWorkspace({
      Dockerfile: 'FROM local/debian:bookworm\nCOPY app/ /app/\n',
      // aws-batch.json changes between the runs; the image must not.
      '.dockerignore': 'aws-batch.json\n',
      'app/README': 'runs integration test\n',
    });
    model = new RunsModel({
      batch: aws.batch,
      files: async () => createRunFilesApi(aws.s3),
      locations: async () => [`s3://${BUCKET}/runs/`],
      explain: (error) => describeError(error, 's3:GetObject'),
    });
    model.onDidFinish((run) => finished.push(run));
  });

  suiteTeardown(async () => {
    if (aws) {
      // Whatever a failed test left running is stopped, so no container outlives the suite.
      for (const job of created.jobs) {
        await cancelRun(aws.batch, createRunFilesApi(aws.s3), {
          runUri: `s3://${BUCKET}/runs/${job.name}/`,
          runId: job.name,
          name,
          managerJobId: job.id,
          workerJobId: model.get(`s3://${BUCKET}/runs/${job.name}/`)?.workerJobId,
        }).catch(() => undefined);
      }
      await cleanUp(aws, docker, created);
    }
    aws?.destroy();
    removeTempDirs();
  });

  test('a run with a failing task: starting → running → failed, counts, the failed task with its exit code and last lines', async () => {
    failedRun = await submit({ command: FAILS_AT_3, count: 6 });
    const { status, seen } = await follow(failedRun, (s) => !ACTIVE_STATES.has(s.state));
    assert.ok(seen.includes('running'), `the run was seen running: ${seen.join(' → ')}`);
    assert.equal(status.state, 'failed', `${status.reason}`);
    assert.deepEqual(
      [status.tasks?.total, status.tasks?.succeeded, status.tasks?.failed],
      [6, 5, 1],
      JSON.stringify(status.tasks),
    );
    assert.match(status.reason ?? '', /1 of 6 tasks failed/);
    assert.equal(status.failures.length, 1);
    assert.equal(status.failures[0].index, 3);
    assert.equal(status.failures[0].exitCode, 3);
    assert.ok(
      status.failures[0].tail.some((line) => line.includes('bad seed: 3')),
      `the task's last lines: ${JSON.stringify(status.failures[0])}`,
    );
    assert.ok((status.vcpuHours ?? 0) > 0, `vCPU-hours: ${status.vcpuHours}`);
    // What the tasks printed comes back with the run: tasks/<i>/stdout.log and stderr.log.
    const files = createRunFilesApi(aws.s3);
    const printed = async (name: string) => {
      const file = await files.read(`${failedRun.runUri}tasks/3/${name}`);
      return file.kind === 'found' ? file.text : `(${file.kind})`;
    };
    assert.equal(await printed('stdout.log'), 'reading seed 3\n');
    assert.equal(await printed('stderr.log'), 'bad seed: 3\n');
    assert.deepEqual(
      finished.map((run) => run.runId),
      [failedRun.runId],
      'one finish notice',
    );

    // Expanded: the manager job, the worker array job with its children (all ended SUCCEEDED: a
    // worker of a finished run exits cleanly, it is not terminated), the failed task, the results.
    const node = model.roots().find((n) => n.kind === 'run' && n.runUri === failedRun.runUri) as RunNode;
    await model.expand(node);
    const children = model.children(node);
    assert.deepEqual(
      children.map((child) => (child.kind === 'job' ? `job:${child.role}` : child.kind)),
      ['runInfo', 'job:manager', 'job:worker', 'runFailures', 'runResults'],
    );
    const workers = children.find((child) => child.kind === 'job' && child.role === 'worker');
    assert.ok(workers && workers.kind === 'job');
    assert.deepEqual(
      (workers.children ?? []).map((child) => child.status),
      ['SUCCEEDED', 'SUCCEEDED'],
      JSON.stringify(workers.children?.map((c) => [c.jobId, c.status, c.statusReason])),
    );
  });

  test('Re-run Failed Tasks runs only task 3, with its own index, and shows its parent', async () => {
    assert.ok(failedRun, 'needs the failed run of the test before');
    const files = createRunFilesApi(aws.s3);
    const spec = await model.spec(failedRun.runUri);
    assert.ok(spec);
    const rerun = await rerunFailedTasks(aws.batch, files, {
      parent: { runUri: failedRun.runUri, runId: failedRun.runId, spec: spec.spec, managerJobId: failedRun.jobId },
      indexes: model.get(failedRun.runUri)!.failures.map((f) => f.index),
    });
    created.jobs.push({ id: rerun.jobId, name: rerun.jobName });
    model.addSubmitted(rerun);
    const { status } = await follow(rerun, (s) => !ACTIVE_STATES.has(s.state));
    // Task 3 fails again (the command has not changed): what matters is that only it ran.
    assert.deepEqual([status.tasks?.total, status.tasks?.failed], [1, 1], JSON.stringify(status));
    assert.equal(status.failures[0].index, 3, 'TASK_INDEX is the parent’s index');
    assert.equal(status.parentRunId, failedRun.runId);
    const node = model.roots().find((n) => n.kind === 'run' && n.runUri === rerun.runUri) as RunNode;
    await model.expand(node);
    const parent = model.children(node).find((child) => child.kind === 'runInfo');
    assert.ok(parent && parent.kind === 'runInfo' && parent.runUri === failedRun.runUri, JSON.stringify(parent));
  });

  test('Cancel Run leaves no job of the run waiting or running in moto and no container in docker ps', async () => {
    const run = await submit({ command: SLOW, count: 4 });
    await follow(run, (s) => s.state === 'running' && (s.workers.connected ?? 0) >= 1);
    const status = model.get(run.runUri)!;
    const result = await cancelRun(aws.batch, createRunFilesApi(aws.s3), {
      runUri: run.runUri,
      runId: run.runId,
      name,
      managerJobId: run.jobId,
      workerJobId: status.workerJobId,
    });
    assert.deepEqual(result.stillAlive, []);
    assert.deepEqual(await aliveJobsOf(run), []);
    // moto removes a job's container when it ends; give the engine a moment.
    for (let i = 0; i < 30 && (await containersOf(run)).length > 0; i++) await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(await containersOf(run), []);
    model.invalidate(run.runUri);
    const { status: after } = await follow(run, (s) => !ACTIVE_STATES.has(s.state), 60_000);
    assert.equal(after.state, 'cancelled', after.reason);
  });

  test('a killed manager container shows as lost, with the reason', async () => {
    const run = await submit({ command: SLOW, count: 2 }, 1);
    await follow(run, (s) => s.state === 'running');
    // moto marks the job RUNNING a moment before it creates the container.
    let container: Docker.ContainerInfo | undefined;
    for (let i = 0; i < 30 && !container; i++) {
      [container] = await docker.listContainers({ filters: { name: [`${run.jobName}-${run.jobId}`] } });
      if (!container) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    assert.ok(container, 'the manager container runs');
    await docker.getContainer(container.Id).kill();
    const { status } = await follow(run, (s) => !ACTIVE_STATES.has(s.state), 90_000);
    assert.equal(status.state, 'lost', JSON.stringify(status));
    assert.match(status.reason ?? '', /manager job ended FAILED.*without writing summary\.json/);
  });
});
