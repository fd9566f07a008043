// The AWS layer and the Job Queues model against moto server (scripts/backend.sh up).
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsClients } from '../../src/aws/clients';
import { explainAwsError } from '../../src/shared/awsProblem';
import { JobQueuesModel } from '../../src/models/jobQueuesModel';
import { deferredBatchApi } from '../../src/aws/deferredBatchApi';

function modelFor(settings: Parameters<typeof createAwsClients>[0], options?: Parameters<typeof createAwsClients>[2]) {
  const clients = createAwsClients(settings, process.env, options);
  return new JobQueuesModel(
    deferredBatchApi(async () => (await clients).batch),
    (error) => explainAwsError(error, 'AWS'),
  );
}

/** Runs `body` with only the given AWS variables set and an empty home, so no real profile leaks in. */
async function withIsolatedAwsEnv<T>(vars: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  const home = mkdtempSync(join(tmpdir(), 'aws-home-'));
  for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
  Object.assign(process.env, {
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...vars,
  });
  try {
    return await body();
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    rmSync(home, { recursive: true, force: true });
  }
}

suite('Job Queues against moto', () => {
  suiteSetup(function () {
    if (!process.env.AWS_ENDPOINT_URL)
      throw new Error('Start the stand-ins first: eval "$(bash scripts/backend.sh env)"');
  });

  test('lists the fixture queues with their compute environments', async () => {
    const model = modelFor({});
    await model.refresh();
    assert.equal(model.problem, undefined, model.problem?.message);
    assert.equal(model.state, 'ready');
    const byName = new Map(model.roots().map((queue) => [queue.name, queue]));
    const research = byName.get('research-queue');
    const priority = byName.get('priority-queue');
    assert.ok(research && priority, `queues: ${[...byName.keys()].join(', ')}`);
    assert.deepEqual([research.state, research.status, research.priority], ['ENABLED', 'VALID', 10]);
    assert.equal(priority.priority, 100);
    assert.deepEqual(
      research.children.map((ce) => ce.name),
      ['research-ec2'],
    );
    assert.deepEqual(
      priority.children.map((ce) => ce.name),
      ['research-fargate', 'research-ec2'],
    );
    const ec2 = research.children[0];
    assert.deepEqual([ec2.type, ec2.provisioning, ec2.maxvCpus], ['MANAGED', 'EC2', 64]);
    assert.equal(ec2.minvCpus, 0);
  });

  test('a settings endpoint overrides AWS_ENDPOINT_URL, and a closed port reads as unreachable', async () => {
    const model = modelFor({ endpointUrl: 'http://127.0.0.1:1' }, { maxAttempts: 1, connectionTimeoutMs: 2000 });
    await model.refresh();
    assert.equal(model.state, 'error');
    assert.equal(model.problem?.kind, 'endpoint');
    assert.match(model.problem?.message ?? '', /connection refused/);
  });

  test('no credentials anywhere reads as "no credentials", not a stack trace', async () => {
    await withIsolatedAwsEnv(
      { AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL ?? '' },
      async () => {
        const model = modelFor({}, { maxAttempts: 1 });
        await model.refresh();
        assert.equal(model.state, 'noCredentials', model.problem?.detail);
        assert.match(model.problem?.message ?? '', /No AWS credentials found/);
      },
    );
  });

  test('a profile from the shared files is used, and an unknown one is named', async () => {
    await withIsolatedAwsEnv({ AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL ?? '' }, async () => {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(process.env.AWS_CONFIG_FILE!, '[profile science]\nregion = us-east-1\n');
      writeFileSync(
        process.env.AWS_SHARED_CREDENTIALS_FILE!,
        '[science]\naws_access_key_id = testing\naws_secret_access_key = testing\n',
      );
      const model = modelFor({ profile: 'science' });
      await model.refresh();
      assert.equal(model.problem, undefined, model.problem?.message);
      assert.ok(model.roots().some((queue) => queue.name === 'research-queue'));
      const missing = modelFor({ profile: 'nobody' });
      await missing.refresh();
      assert.equal(missing.problem?.kind, 'profile');
      assert.match(missing.problem?.message ?? '', /"nobody"/);
    });
  });
});
