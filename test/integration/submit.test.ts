// Submit to Batch end to end against the stand-ins: a real Docker build, a push to the registry on
// 127.0.0.1:5000 with the credentials moto's ECR hands out, job definitions and a manager job in
// moto, whose Batch runs the job as a real container from the pushed image.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeJobDefinitionsCommand, DescribeJobsCommand } from '@aws-sdk/client-batch';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import Docker from 'dockerode';
import { TAG_ROLE, TAG_RUN_ID, TAG_RUN_URI } from '../../src/shared/run';
import { loadRunConfig } from '../../src/config/loadConfig';
import { runOnce } from '../../src/docker/engine';
import type { RegistryCredentials } from '../../src/docker/registry';
import { SubmitError } from '../../src/shared/errors';
import type { SubmitResult } from '../../src/submit/pipeline';
import {
  type TestClients,
  BUCKET,
  QUEUE,
  STAND_IN_ENV,
  TASK_COMMAND,
  TERMINAL,
  activeRevisions,
  assertNothingCreated,
  cleanUp,
  clients,
  configFile,
  layerFiles,
  pullImage,
  makeWorkspace,
  newCacheDir,
  pipeline,
  removeTempDirs,
  registryCredentials,
  registryImage,
  requireStandIns,
  runResults,
  runtimePath,
  suffix,
  transcript,
  waitForJob,
  writeFiles,
} from './submitFixture';

const BUNDLED_NODE_COMMAND = ['/opt/batch-runner/node', '/opt/batch-runner/runtime.js', 'manager'];
suite('Submit to Batch: Docker engine, registry and moto', function () {
  this.timeout(180_000);
  const id = suffix();
  const name = `it-${id}`;
  const repository = `submit-it-${id}`;
  const docker = new Docker();
  const cacheDir = newCacheDir();
  const created = { names: [name], repositories: [repository], jobs: [] as { id: string; name: string }[] };
  let aws: TestClients;
  let credentials: RegistryCredentials;
  let workspace: string;
  let first: SubmitResult;
  /** The engine's container events while the suite runs: moto removes job containers when they exit. */
  const containerEvents: { action: string; name: string; image: string; exitCode?: string }[] = [];
  let events: NodeJS.ReadableStream | undefined;

  suiteSetup(async () => {
    requireStandIns();
    events = (await docker.getEvents({
      filters: { type: ['container'], event: ['create', 'start', 'die'] },
    })) as NodeJS.ReadableStream;
    let partial = '';
    events.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) {
        const event = JSON.parse(line) as { Action: string; Actor: { Attributes: Record<string, string> } };
        const { name, image, exitCode } = event.Actor.Attributes;
        containerEvents.push({ action: event.Action, name, image, exitCode });
      }
    });
    aws = await clients();
    credentials = await registryCredentials(aws);
    workspace = makeWorkspace({
      Dockerfile: 'FROM local/debian:bookworm\nCOPY app/ /app/\nRUN echo built > /built.txt\n',
      // "*.tmp" alone would only match at the top (Docker's rules); "**/*.tmp" matches everywhere.
      '.dockerignore': 'app/secret.txt\n**/*.tmp\n!app/keep.tmp\nlogs/\n',
      'app/main.sh': 'echo hello\n',
      'app/secret.txt': 'must not be in the image\n',
      'app/scratch.tmp': 'excluded\n',
      'app/keep.tmp': 'kept by an exception\n',
      'logs/run.log': 'excluded\n',
      'aws-batch.json': configFile({
        name,
        repository,
        jobQueue: QUEUE,
        results: { bucket: BUCKET },
        workers: 2,
        environment: { SEED: '42', ...STAND_IN_ENV },
        tasks: { command: TASK_COMMAND, count: 3 },
      }),
    });
  });

  suiteTeardown(async () => {
    (events as { destroy?: () => void } | undefined)?.destroy?.();
    if (aws) await cleanUp(aws, docker, created);
    aws?.destroy();
    removeTempDirs();
  });

  test('the first Submit builds, adds the runtime layer, pushes, registers and submits the manager job', async () => {
    const loaded = await loadRunConfig(workspace);
    first = await pipeline(aws, { cacheDir }).submit(loaded);
    created.jobs.push({ id: first.jobId, name: first.jobName });

    assert.equal(first.imageResult.pushed, true);
    assert.equal(first.imageResult.repositoryCreated, true);
    assert.equal(first.imageResult.node, '/opt/batch-runner/node', 'Debian has no Node.js, so the layer adds one');
    assert.equal(first.image, `${credentials.host}/${repository}:${first.imageResult.contentTag}`);
    assert.equal(first.definition.registered, true);
    assert.equal(first.runUri, `s3://${BUCKET}/runs/${first.runId}/`);

    // The registry has the content tag and latest, both at the pushed digest.
    assert.equal(
      (await registryImage(credentials, repository, first.imageResult.contentTag)).digest,
      first.imageResult.digest,
    );
    assert.equal((await registryImage(credentials, repository, 'latest')).digest, first.imageResult.digest);

    // The job: on the queue, tagged with its run, told where the run lives.
    const job = (await aws.sdkBatch.send(new DescribeJobsCommand({ jobs: [first.jobId] }))).jobs?.[0];
    assert.ok(job);
    assert.equal(job.jobName, first.runId);
    assert.ok(job.jobQueue?.endsWith(`/${QUEUE}`) || job.jobQueue === QUEUE, job.jobQueue);
    assert.equal(job.jobDefinition, first.jobDefinitionArn);
    assert.deepEqual(
      { id: job.tags?.[TAG_RUN_ID], role: job.tags?.[TAG_ROLE], uri: job.tags?.[TAG_RUN_URI] },
      { id: first.runId, role: 'manager', uri: first.runUri },
    );
    const env = Object.fromEntries((job.container?.environment ?? []).map((e) => [e.name, e.value]));
    assert.equal(env.BATCH_RUNNER_RUN_URI, first.runUri);
    assert.equal(env.SEED, '42');
    assert.deepEqual(job.container?.command, BUNDLED_NODE_COMMAND);

    // The definition: the image by content tag, the runtime's manager, retries only on host loss.
    const definition = (
      await aws.sdkBatch.send(new DescribeJobDefinitionsCommand({ jobDefinitions: [first.jobDefinitionArn] }))
    ).jobDefinitions?.[0];
    assert.equal(definition?.containerProperties?.image, first.image);
    assert.deepEqual(definition?.containerProperties?.command, BUNDLED_NODE_COMMAND);
    // research-queue runs on EC2: the definition is an EC2 one, with none of Fargate's settings.
    assert.deepEqual(definition?.platformCapabilities, ['EC2']);
    const container = definition?.containerProperties ?? {};
    assert.deepEqual(
      [container.executionRoleArn, container.networkConfiguration, container.fargatePlatformConfiguration],
      [undefined, undefined, undefined],
    );
    const rules = definition?.retryStrategy?.evaluateOnExit ?? [];
    assert.deepEqual(
      rules.map((rule) => [rule.onStatusReason ?? rule.onReason, String(rule.action).toUpperCase()]),
      [
        ['Host EC2*', 'RETRY'],
        ['*', 'EXIT'],
      ],
    );
    assert.ok(!JSON.stringify(definition).includes(credentials.password), 'no credential in the definition');

    // run.json was written before the job was submitted, with what the runtime reads.
    const object = await aws.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `runs/${first.runId}/run.json` }));
    const spec = JSON.parse(await object.Body!.transformToString());
    assert.deepEqual(spec, {
      name,
      runId: first.runId,
      workers: 2,
      tasks: { command: TASK_COMMAND, count: 3 },
      launchTimeoutSeconds: 900,
      environment: { SEED: '42', ...STAND_IN_ENV },
    });
  });

  test('the pushed image has the runtime layers on top, and .dockerignore kept files out', async () => {
    const image = await registryImage(credentials, repository, first.imageResult.contentTag);
    const [nodeLayer, runtimeLayer] = await Promise.all(
      image.layers.slice(-2).map((digest) => layerFiles(credentials, repository, digest)),
    );
    const filesOf = (layer: Map<string, Buffer>) => [...layer.keys()].filter((n) => !n.endsWith('/')).sort();
    assert.deepEqual(
      [filesOf(nodeLayer), filesOf(runtimeLayer)],
      [['opt/batch-runner/node'], ['opt/batch-runner/runtime.js', 'opt/batch-runner/spawn']],
    );
    assert.deepEqual(runtimeLayer.get('opt/batch-runner/runtime.js'), readFileSync(runtimePath));
    // The spawn helper built for the image's platform (linux/amd64 here).
    assert.deepEqual(
      runtimeLayer.get('opt/batch-runner/spawn'),
      readFileSync(join(dirname(runtimePath), 'spawn-linux-x64')),
    );
    assert.ok((nodeLayer.get('opt/batch-runner/node')?.length ?? 0) > 10e6, 'a real Node binary');
    assert.deepEqual(image.config.config?.Entrypoint ?? [], []);
    assert.equal(image.config.config?.Labels?.['org.batch-runner.node'], '/opt/batch-runner/node');
    // The user's image as built, under its own tag, is what the runtime's layers were put on.
    const without = await registryImage(credentials, repository, `${first.imageResult.contentTag}-without-runtime`);
    assert.deepEqual(without.layers, image.layers.slice(0, -2));

    // The engine never had this image: it was put together in the registry. Pulled, it runs.
    await pullImage(docker, first.image, credentials);

    const listing = await runOnce(docker, first.image, ['ls'], ['-A', '/app']);
    assert.equal(listing?.exitCode, 0, listing?.output);
    assert.deepEqual(listing?.output.trim().split(/\s+/).sort(), ['keep.tmp', 'main.sh']);
    const version = await runOnce(
      docker,
      first.image,
      ['/opt/batch-runner/node'],
      ['/opt/batch-runner/runtime.js', '--version'],
    );
    assert.match(version?.output ?? '', /runtime/);
  });

  test('a second Submit of the unchanged workspace re-uses the build cache, skips the push and the definition', async () => {
    const loaded = await loadRunConfig(workspace);
    const lines: string[] = [];
    const started = Date.now();
    const second = await pipeline(aws, { cacheDir }, lines).submit(loaded);
    const seconds = (Date.now() - started) / 1000;
    created.jobs.push({ id: second.jobId, name: second.jobName });

    assert.equal(second.imageResult.build.cachedSteps, second.imageResult.build.steps, lines.join('\n'));
    assert.equal(second.imageResult.runtimeLayerReused, true);
    assert.equal(second.imageResult.pushed, false);
    assert.equal(second.imageResult.digest, first.imageResult.digest);
    assert.ok(lines.some((line) => line.startsWith('Push skipped')));
    assert.equal(second.definition.registered, false);
    assert.equal(second.jobDefinitionArn, first.jobDefinitionArn);
    assert.deepEqual(await activeRevisions(aws, name), [first.definition.revision], 'two Submits, one definition');
    assert.notEqual(second.runId, first.runId);
    assert.notEqual(second.jobId, first.jobId);
    assert.ok(seconds < 10, `an unchanged Submit took ${seconds} s`);
  });

  test('with Docker-backed Batch, the manager runs the bundled runtime from the pushed image and completes the run', async () => {
    const job = await waitForJob(aws, first.jobId, TERMINAL, 120_000);
    // moto runs the job as the container <job name>-<job id> and removes it when it exits.
    const mine = containerEvents.filter((event) => event.name === `${first.jobName}-${first.jobId}`);
    assert.deepEqual(
      mine.map((event) => event.action),
      ['create', 'start', 'die'],
      JSON.stringify(containerEvents.slice(-10)),
    );
    assert.ok(
      mine.every((event) => event.image === first.image),
      JSON.stringify(mine),
    );
    assert.deepEqual(job.container?.command, BUNDLED_NODE_COMMAND);

    const logs = new CloudWatchLogsClient({});
    let text: string;
    try {
      const stream = job.container?.logStreamName;
      assert.ok(stream, `job ${job.status} without a log stream`);
      const events = await logs.send(
        new GetLogEventsCommand({ logGroupName: '/aws/batch/job', logStreamName: stream, startFromHead: true }),
      );
      text = (events.events ?? []).map((event) => event.message).join('\n');
    } finally {
      logs.destroy();
    }
    // The runtime read run.json from the run's folder (BATCH_RUNNER_RUN_URI), started the workers
    // from the same image and definition, ran the tasks and gathered their outputs.
    assert.equal(job.status, 'SUCCEEDED', `the manager ended ${job.status}; its output:\n${text}`);
    assert.match(text, new RegExp(`\\[manager\\] run ${first.runId}`));
    assert.deepEqual(
      await runResults(aws, first.runId),
      [0, 1, 2].map((index) => ({ index, output: { square: index * index } })),
    );
  });

  test('a changed file pushes only the changed layers (not the Node binary again) and registers a new revision', async () => {
    writeFiles(workspace, { 'app/main.sh': 'echo hello again\n' });
    const loaded = await loadRunConfig(workspace);
    const result = await pipeline(aws, { cacheDir }).register(loaded);
    assert.equal(result.image.pushed, true);
    assert.notEqual(result.image.contentTag, first.imageResult.contentTag);
    assert.ok(result.image.push, 'a push summary');
    assert.ok(result.image.push.bytes < 10e6, `uploaded ${result.image.push.bytes} bytes`);
    const before = await registryImage(credentials, repository, first.imageResult.contentTag);
    const after = await registryImage(credentials, repository, result.image.contentTag);
    assert.deepEqual(after.layers.slice(-2), before.layers.slice(-2), 'the same runtime layers');
    assert.equal(after.layers[0], before.layers[0], 'the same base layer');
    assert.equal(result.definition.registered, true);
    assert.deepEqual(result.definition.changed, ['image']);
    assert.equal(result.definition.revision, first.definition.revision + 1);
    assert.equal((await registryImage(credentials, repository, 'latest')).digest, result.image.digest);
  });

  test('an image that has Node.js 22 runs the runtime on its own node', async () => {
    const nodeName = `it-node-${id}`;
    const nodeRepository = `submit-it-node-${id}`;
    created.names.push(nodeName);
    created.repositories.push(nodeRepository);
    const dir = makeWorkspace({
      Dockerfile: 'FROM local/node:22\nRUN echo ok > /ok.txt\n',
      'aws-batch.json': configFile({
        name: nodeName,
        repository: nodeRepository,
        jobQueue: QUEUE,
        results: { bucket: BUCKET },
        cluster: { manager: ['node', 'main.js'], worker: ['node', 'worker.js'] },
      }),
    });
    const result = await pipeline(aws, { cacheDir }).register(await loadRunConfig(dir));
    assert.equal(result.image.node, 'node');
    const definition = (
      await aws.sdkBatch.send(new DescribeJobDefinitionsCommand({ jobDefinitions: [result.definition.arn] }))
    ).jobDefinitions?.[0];
    assert.deepEqual(definition?.containerProperties?.command, ['node', '/opt/batch-runner/runtime.js', 'manager']);
    const image = await registryImage(credentials, nodeRepository, result.image.contentTag);
    const top = await layerFiles(credentials, nodeRepository, image.layers[image.layers.length - 1]);
    assert.deepEqual(
      [...top.keys()].filter((n) => !n.endsWith('/')),
      ['opt/batch-runner/runtime.js', 'opt/batch-runner/spawn'],
    );
  });

  test('a failing build names the step and its last lines, and creates nothing', async () => {
    const badName = `it-bad-${id}`;
    const badRepository = `submit-it-bad-${id}`;
    created.names.push(badName);
    created.repositories.push(badRepository);
    const dir = makeWorkspace({
      Dockerfile: 'FROM local/debian:bookworm\nRUN echo about-to-fail && echo second-line && exit 3\n',
      'aws-batch.json': configFile({
        name: badName,
        repository: badRepository,
        jobQueue: QUEUE,
        results: { bucket: BUCKET },
        tasks: { command: ['true'], count: 1 },
      }),
    });
    const error = await pipeline(aws, { cacheDir })
      .submit(await loadRunConfig(dir))
      .then(
        () => assert.fail('the build succeeded'),
        (e: unknown) => e,
      );
    assert.ok(error instanceof SubmitError, String(error));
    assert.equal(error.kind, 'build');
    assert.match(error.message, /failed at step 2\/2 \(RUN echo about-to-fail && echo second-line && exit 3\)/);
    assert.match(error.message, /returned a non-zero code: 3/);
    assert.match(error.message, /Last lines:\nabout-to-fail\nsecond-line$/);
    await assertNothingCreated(aws, badName, badRepository);
  });

  test('cancelling stops a running build at once and creates nothing', async () => {
    const slowName = `it-slow-${id}`;
    const slowRepository = `submit-it-slow-${id}`;
    created.names.push(slowName);
    created.repositories.push(slowRepository);
    const dir = makeWorkspace({
      Dockerfile: `FROM local/debian:bookworm\nRUN echo ${id} && sleep 30\n`,
      'aws-batch.json': configFile({
        name: slowName,
        repository: slowRepository,
        jobQueue: QUEUE,
        results: { bucket: BUCKET },
        tasks: { command: ['true'], count: 1 },
      }),
    });
    const abort = new AbortController();
    let cancelledAt = 0;
    const lines: string[] = [];
    const run = pipeline(aws, { cacheDir, signal: abort.signal }, lines).submit(await loadRunConfig(dir));
    const watcher = setInterval(() => {
      if (!cancelledAt && lines.some((line) => line === id || line.endsWith(` ${id}`))) {
        cancelledAt = Date.now();
        abort.abort();
      }
    }, 50);
    const error = await run.then(
      () => assert.fail('the build finished'),
      (e: unknown) => e,
    );
    clearInterval(watcher);
    assert.ok(cancelledAt > 0, `the build never reached its RUN step: ${lines.join('\n')}`);
    assert.ok(error instanceof SubmitError && error.kind === 'cancelled', String(error));
    assert.ok(Date.now() - cancelledAt < 5000, `took ${Date.now() - cancelledAt} ms to stop`);
    await assertNothingCreated(aws, slowName, slowRepository);
    // The engine stopped the step's container too.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const running = await docker.listContainers({ filters: { status: ['running'] } });
    assert.ok(
      !running.some((c) => c.Command.includes(`echo ${id}`)),
      `the build container still runs: ${JSON.stringify(running.map((c) => c.Command))}`,
    );
  });

  test('the ECR token and password never reach a log line or a progress message', () => {
    assert.ok(transcript.length > 50, 'the suite produced output');
    const token = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
    const leaked = transcript.filter((line) => line.includes(credentials.password) || line.includes(token));
    assert.deepEqual(leaked, []);
  });
});
