// The demo workspace (demo/workspace, what `npm run demo` opens) really runs: through Run Locally's
// code path on the local Docker engine and through the Submit pipeline on the stand-ins (moto), with
// the files as shipped (only name and repository made unique), giving the same 24-row results.jsonl.
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { loadRunConfig } from '../../src/config/loadConfig';
import { LOCAL_LABELS } from '../../src/submit/localSpec';
import { type LocalLogSource, runLocally } from '../../src/submit/localRun';
import {
  BUCKET,
  QUEUE,
  STAND_IN_ENV,
  TERMINAL,
  type TestClients,
  cleanUp,
  clients,
  configFile,
  newCacheDir,
  pipeline,
  removeTempDirs,
  requireStandIns,
  root,
  runResults,
  runtimePath,
  suffix,
  waitForJob,
} from './submitFixture';

interface PiOutput {
  seed: number;
  samples: number;
  inside: number;
  estimate: number;
}
type Row = { index: number; output: PiOutput };

const DEMO = join(root, 'demo', 'workspace');

suite('The demo workspace runs locally and on the stand-ins, with the same results', function () {
  this.timeout(240_000);
  const id = suffix();
  const name = `demo-it-${id}`;
  const docker = new Docker();
  const cacheDir = newCacheDir();
  const moto = { names: [name], repositories: [name], jobs: [] as { id: string; name: string }[] };
  let aws: TestClients | undefined;
  let workspace: string;
  let localRunId: string | undefined;
  let localRows: Row[] | undefined;

  suiteSetup(() => {
    workspace = mkdtempSync(join(tmpdir(), 'demo-ws-'));
    cpSync(DEMO, workspace, { recursive: true });
    const config = JSON.parse(readFileSync(join(workspace, 'aws-batch.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(workspace, 'aws-batch.json'), configFile({ ...config, name, repository: name }));
  });

  suiteTeardown(async () => {
    if (localRunId) {
      const filters = { label: [`${LOCAL_LABELS.runId}=${localRunId}`] };
      for (const c of await docker.listContainers({ all: true, filters }).catch(() => []))
        await docker
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch(() => undefined);
    }
    for (const image of await docker.listImages({ filters: { reference: [`batch-runner-local/${name}`] } }))
      for (const tag of image.RepoTags ?? [])
        await docker
          .getImage(tag)
          .remove()
          .catch(() => undefined);
    if (aws) await cleanUp(aws, docker, moto);
    aws?.destroy();
    rmSync(workspace, { recursive: true, force: true });
    removeTempDirs();
  });

  test('aws-batch.json: task mode, 24 inputs, 4 workers, the stand-ins bucket and queue, their environment', async () => {
    const loaded = await loadRunConfig(DEMO);
    assert.equal(loaded.config.name, 'monte-carlo-pi');
    assert.equal(loaded.config.jobQueue, QUEUE);
    assert.deepEqual(loaded.config.results, { bucket: BUCKET, prefix: 'runs/' });
    assert.equal(loaded.config.workers, 4);
    assert.equal(loaded.inputs?.length, 24);
    assert.deepEqual(loaded.config.tasks?.command, ['python3', '/app/simulate.py']);
    // What the stand-ins' job containers need (the README says it is for the stand-ins only).
    requireStandIns();
    assert.deepEqual({ ...loaded.config.environment }, STAND_IN_ENV);
    assert.match(readFileSync(join(DEMO, 'Dockerfile'), 'utf8'), /^FROM local\/python:3$/m);
  });

  test('Run Locally (the extension code path): 24 tasks succeed, results.jsonl has a row per task', async () => {
    const lines: { source: LocalLogSource; line: string }[] = [];
    const run = await runLocally({
      docker,
      loaded: await loadRunConfig(workspace),
      runtimePath,
      runtimeNodeImage: process.env.BATCH_RUNNER_NODE_IMAGE ?? 'local/node:22',
      cacheDir,
      log: (line, source) => lines.push({ source, line }),
    });
    localRunId = run.runId;
    const result = await run.done;
    const log = lines.map(({ source, line }) => `[${source}] ${line}`).join('\n');
    assert.equal(result.summary?.status, 'succeeded', log.slice(-3000));
    assert.equal(result.summary?.tasks?.succeeded, 24);
    localRows = readFileSync(join(run.runDir, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Row);
    assert.deepEqual(
      localRows.map((row) => row.index),
      [...Array(24).keys()],
    );
    for (const row of localRows) {
      assert.equal(row.output.seed, row.index + 1);
      assert.equal(row.output.samples, 5_000_000);
      assert.ok(Math.abs(row.output.estimate - Math.PI) < 0.02, JSON.stringify(row));
    }
    // The task printed its line; it reached the merged log with the worker's and the task's prefix.
    assert.ok(
      lines.some(
        (l) => /^worker \d$/.test(l.source) && /\[task 5\] task 5: seed 6, 5000000 samples, pi ~ 3\.1/.test(l.line),
      ),
      log.slice(-3000),
    );
  });

  test('Submit to Batch on the stand-ins: the run succeeds with the same results.jsonl', async () => {
    assert.ok(localRows, 'the local run above ran');
    aws = await clients();
    const submitted = await pipeline(aws, { cacheDir }).submit(await loadRunConfig(workspace));
    moto.jobs.push({ id: submitted.jobId, name: submitted.jobName });
    const job = await waitForJob(aws, submitted.jobId, TERMINAL, 200_000);
    assert.equal(job.status, 'SUCCEEDED', job.statusReason);
    assert.deepEqual(await runResults(aws, submitted.runId), localRows);
  });
});
