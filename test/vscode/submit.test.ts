// "AWS Batch: Submit to Batch" inside a real extension host, on the harness's workspace with an
// aws-batch.json written here: the real Docker engine builds, the registry on 127.0.0.1:5000 receives
// the image, moto gets the definition and the manager job, which then shows in the Jobs view.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BatchClient,
  DeregisterJobDefinitionCommand,
  DescribeJobDefinitionsCommand,
  DescribeJobsCommand,
} from '@aws-sdk/client-batch';
import { DeleteRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension';
import type { SubmittedRun } from '../../src/submit/types';
import type { JobNode, JobsQueueNode, StatusGroupNode } from '../../src/models/jobsModel';

const QUEUE = 'research-queue';
const BUCKET = 'batch-runner-results';
const STATUSES = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED'];

async function setting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('awsBatch').update(key, value, vscode.ConfigurationTarget.Global);
}

suite('Submit to Batch (extension host)', function () {
  this.timeout(240_000);
  const id = Date.now().toString(36);
  const name = `host-submit-${id}`;
  const repository = `host-submit-${id}`;
  const batch = new BatchClient({});
  let api: ExtensionApi;
  let folder: string;
  let run: SubmittedRun | undefined;
  const jobIds: string[] = [];

  suiteSetup(async () => {
    api = await vscode.extensions.getExtension<ExtensionApi>('aws-batch-runner.aws-batch-runner')!.activate();
    const workspace = vscode.workspace.workspaceFolders?.[0];
    assert.ok(workspace, 'the harness opens a workspace folder');
    folder = workspace.uri.fsPath;
    assert.ok(!existsSync(join(folder, 'aws-batch.json')), 'the sample workspace has no aws-batch.json of its own');
    await setting('registryHost', process.env.BATCH_RUNNER_REGISTRY ?? '127.0.0.1:5000');
    await setting('runtimeNodeImage', process.env.BATCH_RUNNER_NODE_IMAGE ?? 'local/node:22');
    const files: Record<string, string> = {
      'submit-test/Dockerfile': `FROM local/debian:bookworm\nCOPY app/ /app/\nRUN echo ${id} > /app/id.txt\n`,
      'submit-test/app/run.sh': 'echo "task $TASK_INDEX"\n',
      'aws-batch.json': JSON.stringify(
        {
          name,
          repository,
          dockerfile: 'submit-test/Dockerfile',
          context: 'submit-test',
          jobQueue: QUEUE,
          results: { bucket: BUCKET },
          tasks: { command: ['sh', '/app/run.sh'], count: 2 },
        },
        null,
        2,
      ),
    };
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(join(folder, file, '..'), { recursive: true });
      writeFileSync(join(folder, file), content);
    }
  });

  suiteTeardown(async () => {
    await setting('registryHost', undefined);
    await setting('runtimeNodeImage', undefined);
    rmSync(join(folder, 'submit-test'), { recursive: true, force: true });
    rmSync(join(folder, 'aws-batch.json'), { force: true });
    // What the Submit created in moto, the registry's local tags and S3.
    const definitions = await batch
      .send(new DescribeJobDefinitionsCommand({ jobDefinitionName: name, status: 'ACTIVE' }))
      .catch(() => ({ jobDefinitions: [] }));
    for (const definition of definitions.jobDefinitions ?? []) {
      await batch
        .send(new DeregisterJobDefinitionCommand({ jobDefinition: definition.jobDefinitionArn }))
        .catch(() => undefined);
    }
    const ecr = new ECRClient({});
    await ecr.send(new DeleteRepositoryCommand({ repositoryName: repository, force: true })).catch(() => undefined);
    ecr.destroy();
    const s3 = new S3Client({ forcePathStyle: true });
    const listed = await s3
      .send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `runs/${name}-` }))
      .catch(() => ({ Contents: [] }));
    if (listed.Contents?.length) {
      await s3
        .send(
          new DeleteObjectsCommand({
            Bucket: BUCKET,
            Delete: { Objects: listed.Contents.map((object) => ({ Key: object.Key })) },
          }),
        )
        .catch(() => undefined);
    }
    s3.destroy();
    // The manager containers run from the image; let them end before the image is removed.
    const deadline = Date.now() + 60_000;
    while (jobIds.length && Date.now() < deadline) {
      const { jobs } = await batch.send(new DescribeJobsCommand({ jobs: jobIds })).catch(() => ({ jobs: [] }));
      if ((jobs ?? []).every((job) => job.status === 'SUCCEEDED' || job.status === 'FAILED')) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const docker = api.services.docker();
    const registry = process.env.BATCH_RUNNER_REGISTRY ?? '127.0.0.1:5000';
    for (const image of await docker
      .listImages({ filters: { reference: [`${registry}/${repository}`] } })
      .catch(() => [])) {
      for (const tag of image.RepoTags ?? [])
        await docker
          .getImage(tag)
          .remove()
          .catch(() => undefined);
    }
    batch.destroy();
  });

  test('Submit to Batch builds, pushes, registers and submits; the manager job is in moto', async () => {
    const fired = new Promise<SubmittedRun>((resolve) => {
      const subscription = api.services.onDidSubmitRun((submitted) => {
        subscription.dispose();
        resolve(submitted);
      });
    });
    run = (await vscode.commands.executeCommand('awsBatch.submit')) as SubmittedRun | undefined;
    assert.ok(run, 'the command returned no run: see the "AWS Batch" and "AWS Batch: Build" output');
    jobIds.push(run.jobId);
    assert.deepEqual(await fired, run, 'onDidSubmitRun carries the same run');
    assert.equal(api.services.walkthrough.lastEvent('submit'), `run ${run.runId} submitted`);
    assert.equal(api.services.walkthrough.lastEvent('setUp'), `queue ${QUEUE} took run ${run.runId}`);
    assert.equal(run.queue, QUEUE);
    assert.match(run.runUri, new RegExp(`^s3://${BUCKET}/runs/${name}-\\d{8}-\\d{6}-[0-9a-f]{6}/$`));
    assert.match(run.image, new RegExp(`/${repository}:[0-9a-f]{16}$`));

    const job = (await batch.send(new DescribeJobsCommand({ jobs: [run.jobId] }))).jobs?.[0];
    assert.ok(job, `moto does not know job ${run.jobId}`);
    assert.ok(STATUSES.includes(job.status ?? ''), `job status ${job.status}`);
    assert.equal(job.jobName, run.jobName);
    assert.equal(job.tags?.['batch-runner:role'], 'manager');
    assert.equal(job.tags?.['batch-runner:run-id'], run.runId);
    assert.deepEqual(job.container?.command, ['/opt/batch-runner/node', '/opt/batch-runner/runtime.js', 'manager']);
  });

  test('the manager job shows in the Jobs view under its queue', async () => {
    assert.ok(run, 'needs the submitted run');
    const provider = api.jobsProvider;
    const deadline = Date.now() + 30_000;
    for (;;) {
      await api.services.jobs.refresh();
      const queue = (await provider.getChildren()).find((n) => (n as JobsQueueNode).name === QUEUE) as
        JobsQueueNode | undefined;
      assert.ok(queue, `${QUEUE} is in the Jobs view`);
      const groups = (await provider.getChildren(queue)) as StatusGroupNode[];
      for (const group of groups) {
        const jobs = (await provider.getChildren(group)) as JobNode[];
        const found = jobs.find((job) => job.jobId === run!.jobId);
        if (found) {
          assert.equal(found.jobName, run.jobName);
          assert.ok(STATUSES.includes(group.status), group.status);
          return;
        }
      }
      assert.ok(Date.now() < deadline, `job ${run.jobId} is not in the Jobs view`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  });

  test('a second Submit of the unchanged workspace re-uses the image and the definition', async () => {
    assert.ok(run, 'needs the submitted run');
    const second = (await vscode.commands.executeCommand('awsBatch.submit')) as SubmittedRun | undefined;
    assert.ok(second);
    jobIds.push(second.jobId);
    assert.notEqual(second.jobId, run.jobId);
    assert.equal(second.image, run.image);
    assert.equal(second.jobDefinitionArn, run.jobDefinitionArn);
    const definitions = await batch.send(
      new DescribeJobDefinitionsCommand({ jobDefinitionName: name, status: 'ACTIVE' }),
    );
    assert.equal(definitions.jobDefinitions?.length, 1, 'one definition for two Submits');
  });
});
