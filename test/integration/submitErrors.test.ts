// Each bad input gives one message that names the fix, and leaves nothing behind: no repository, no
// job definition, no job, no run files. Against the real engine, registry and moto; the registry
// that refuses the ECR credentials is a second docker-registry started (and stopped) by this suite.
import * as assert from 'node:assert/strict';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { ConfigMissingError, loadRunConfig } from '../../src/config/loadConfig';
import { ConfigError } from '../../src/config/runConfig';
import { checkEngine } from '../../src/docker/engine';
import { SubmitError } from '../../src/shared/errors';
import {
  BUCKET,
  QUEUE,
  assertNothingCreated,
  cleanUp,
  clients,
  configFile,
  makeWorkspace,
  newCacheDir,
  pipeline,
  removeTempDirs,
  requireStandIns,
  submitError,
  suffix,
  type TestClients,
} from './submitFixture';

const REGISTRY_BINARY = '/usr/bin/docker-registry';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A registry whose only user is AWS with a password that is not the ECR token's. */
async function startForeignRegistry(): Promise<{ host: string; process: ChildProcess; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'foreign-registry-'));
  const port = await freePort();
  const htpasswd = execFileSync('htpasswd', ['-Bbn', 'AWS', 'not-the-ecr-token']).toString();
  writeFileSync(join(dir, 'htpasswd'), htpasswd);
  writeFileSync(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log: { level: error }',
      `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} } }`,
      `http: { addr: "127.0.0.1:${port}", secret: test }`,
      `auth: { htpasswd: { realm: test, path: ${join(dir, 'htpasswd')} } }`,
      '',
    ].join('\n'),
  );
  const child = spawn(REGISTRY_BINARY, ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const status = await fetch(`http://${host}/v2/`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 401) return { host, process: child, dir };
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill();
      throw new Error(`the test registry on ${host} did not start`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

suite('Submit to Batch: every bad input gives one message naming the fix, and creates nothing', function () {
  this.timeout(60_000);
  const id = suffix();
  const cacheDir = newCacheDir();
  const docker = new Docker();
  const created = { names: [] as string[], repositories: [] as string[], jobs: [] };
  let aws: TestClients;
  let foreign: Awaited<ReturnType<typeof startForeignRegistry>> | undefined;

  /** A workspace with a good Dockerfile and the given configuration; names are unique to the test. */
  function workspace(label: string, overrides: Record<string, unknown> = {}, files: Record<string, string> = {}) {
    const name = `err-${label}-${id}`;
    const repository = `submit-err-${label}-${id}`;
    created.names.push(name);
    created.repositories.push(repository);
    const dir = makeWorkspace({
      Dockerfile: 'FROM local/busybox:latest\nRUN echo ok\n',
      'aws-batch.json': configFile({
        name,
        repository,
        jobQueue: QUEUE,
        results: { bucket: BUCKET },
        tasks: { command: ['true'], count: 1 },
        ...overrides,
      }),
      ...files,
    });
    return { dir, name, repository };
  }

  async function submitFails(
    dir: string,
    options: Parameters<typeof pipeline>[1] = { cacheDir },
  ): Promise<SubmitError> {
    const loaded = await loadRunConfig(dir);
    return submitError(pipeline(aws, options).submit(loaded), 'submit');
  }

  suiteSetup(async () => {
    requireStandIns();
    aws = await clients();
  });

  suiteTeardown(async () => {
    if (foreign) {
      foreign.process.kill();
      rmSync(foreign.dir, { recursive: true, force: true });
    }
    if (aws) await cleanUp(aws, docker, created);
    aws?.destroy();
    removeTempDirs();
  });

  test('no aws-batch.json: points at Create Run Configuration', async () => {
    const dir = makeWorkspace({ Dockerfile: 'FROM local/busybox:latest\n' });
    await assert.rejects(loadRunConfig(dir), (error: unknown) => {
      assert.ok(error instanceof ConfigMissingError);
      assert.match(error.message, /There is no aws-batch\.json in .*Run "AWS Batch: Create Run Configuration"/);
      return true;
    });
  });

  test('an invalid configuration names the field, its line and the fix', async () => {
    const { dir } = workspace('config', { resources: { memory: '2GB' } });
    await assert.rejects(loadRunConfig(dir), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.field, 'resources.memory');
      assert.match(error.message, /^aws-batch\.json line \d+: "resources\.memory" must be a whole number of MiB/);
      return true;
    });
  });

  test('no Dockerfile: says where it was looked for and how to fix it', async () => {
    const { dir, name, repository } = workspace('nodockerfile', { dockerfile: 'docker/Dockerfile' });
    await assert.rejects(
      loadRunConfig(dir),
      /there is no Dockerfile at docker\/Dockerfile\. Create one .* or set "dockerfile"/,
    );
    await assertNothingCreated(aws, name, repository);
  });

  test('Docker not running: names the socket and how to start Docker', async () => {
    const { dir, name, repository } = workspace('nodocker');
    const socket = join(tmpdir(), `no-docker-${id}.sock`);
    assert.ok(!existsSync(socket));
    const error = await submitFails(dir, { cacheDir, docker: new Docker({ socketPath: socket }) });
    assert.equal(error.kind, 'docker');
    assert.match(
      error.message,
      new RegExp(`Docker is not running or cannot be reached at ${socket} \\(ENOENT\\)\\. Start Docker`),
    );
    await assertNothingCreated(aws, name, repository);
  });

  test('a Docker socket that never answers: the same message, after a timeout instead of a hang', async () => {
    const socket = join(tmpdir(), `silent-docker-${id}.sock`);
    const server = createServer(() => undefined).listen(socket);
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const started = Date.now();
      const error = await checkEngine(new Docker({ socketPath: socket }), undefined, 500).then(
        () => assert.fail('the silent engine answered'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof SubmitError && error.kind === 'docker', String(error));
      assert.match(
        error.message,
        /Docker is not running or cannot be reached at .*silent-docker.*\(no answer in 0\.5 s\)/,
      );
      assert.ok(Date.now() - started < 5000);
    } finally {
      server.close();
    }
  });

  test('a registry that refuses the ECR credentials: said before anything is built', async () => {
    foreign = await startForeignRegistry();
    const { dir, name, repository } = workspace('auth');
    const error = await submitFails(dir, { cacheDir, registryHost: foreign.host });
    assert.equal(error.kind, 'registry');
    assert.match(
      error.message,
      new RegExp(`The registry ${foreign.host} refused the sign-in .*HTTP 401.*awsBatch\\.registryHost`),
    );
    await assertNothingCreated(aws, name, repository);
  });

  test('a missing job queue: names the queues that exist', async () => {
    const { dir, name, repository } = workspace('queue', { jobQueue: `no-such-queue-${id}` });
    const error = await submitFails(dir);
    assert.equal(error.kind, 'queue');
    assert.match(error.message, new RegExp(`"no-such-queue-${id}" \\(aws-batch\\.json "jobQueue"\\) does not exist`));
    assert.match(error.message, /Set "jobQueue" to one of: .*research-queue/);
    await assertNothingCreated(aws, name, repository);
  });

  test('a missing results bucket: names the bucket and how to create it', async () => {
    const bucket = `no-such-bucket-${id}`;
    const { dir, name, repository } = workspace('bucket', { results: { bucket } });
    const error = await submitFails(dir);
    assert.equal(error.kind, 'bucket');
    assert.match(error.message, new RegExp(`"${bucket}" .* does not exist.*aws s3 mb s3://${bucket}`));
    await assertNothingCreated(aws, name, repository);
  });

  test('several problems at once: one message, the first in order (Docker, queue, bucket, registry)', async () => {
    const { dir, name, repository } = workspace('several', {
      jobQueue: `no-such-queue-${id}`,
      results: { bucket: `no-such-bucket-${id}` },
    });
    const error = await submitFails(dir);
    assert.equal(error.kind, 'queue');
    assert.doesNotMatch(error.message, /bucket/);
    await assertNothingCreated(aws, name, repository);
  });
});
