// Sign-in edge cases on real files: [sso-session] and [services] sections are not profiles, a profile's
// endpoint_url / services / retry settings apply, per-service endpoint variables win over the global
// one, and an MFA role profile asks for a code (or says it needs one) instead of "No AWS credentials".
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsClients } from '../../src/aws/clients';
import { loadSharedProfiles } from '../../src/aws/sharedProfiles';
import { profileNames, resolveAwsTarget } from '../../src/aws/target';
import { explainAwsError } from '../../src/shared/awsProblem';

const CONFIG = `[default]
region = us-east-1

[profile dev]
region = eu-west-1
endpoint_url = http://127.0.0.1:5001
services = local-stack
retry_mode = standard
max_attempts = 7

[profile plain]
region = us-west-2

[profile mfa]
region = us-east-1
role_arn = arn:aws:iam::123456789012:role/batch-user
source_profile = keys
mfa_serial = arn:aws:iam::123456789012:mfa/me

[profile ignoring]
region = us-east-1
endpoint_url = http://127.0.0.1:5001
ignore_configured_endpoint_urls = true

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1

[services local-stack]
s3 =
  endpoint_url = http://127.0.0.1:9000
`;

const CREDENTIALS = `[keys]
aws_access_key_id = AKIAEXAMPLEEXAMPLE00
aws_secret_access_key = not-a-real-secret
`;

const VARIABLES = [
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_PROFILE',
  'AWS_REGION',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_S3',
  'AWS_ENDPOINT_URL_BATCH',
  'AWS_RETRY_MODE',
  'AWS_MAX_ATTEMPTS',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
];

suite('shared AWS profiles on disk', () => {
  let dir: string;
  const saved: Record<string, string | undefined> = {};

  suiteSetup(() => {
    dir = mkdtempSync(join(tmpdir(), 'aws-profiles-'));
    writeFileSync(join(dir, 'config'), CONFIG);
    writeFileSync(join(dir, 'credentials'), CREDENTIALS);
  });

  setup(() => {
    for (const name of VARIABLES) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
  });

  teardown(() => {
    for (const name of VARIABLES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  suiteTeardown(() => rmSync(dir, { recursive: true, force: true }));

  test('[sso-session] and [services] sections are not offered as profiles', async () => {
    const files = await loadSharedProfiles();
    assert.deepEqual(profileNames(files), ['default', 'dev', 'ignoring', 'keys', 'mfa', 'plain']);
    assert.deepEqual(Object.keys(files.ssoSessions ?? {}), ['corp']);
    assert.deepEqual(Object.keys(files.services ?? {}), ['local-stack']);
    assert.throws(() => resolveAwsTarget({ profile: 'sso-session.corp' }, {}, files), /is not in ~\/\.aws\/config/);
  });

  test("the profile's endpoint_url and services section apply, per service", async () => {
    const target = resolveAwsTarget({ profile: 'dev' }, {}, await loadSharedProfiles());
    assert.equal(target.endpoint, 'http://127.0.0.1:5001');
    assert.equal(target.endpoints?.batch, 'http://127.0.0.1:5001');
    assert.equal(target.endpoints?.s3, 'http://127.0.0.1:9000');
  });

  test('AWS_ENDPOINT_URL_<SERVICE> wins over AWS_ENDPOINT_URL, which wins over the profile; the setting wins over all', async () => {
    const files = await loadSharedProfiles();
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:5002', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9001' };
    const target = resolveAwsTarget({ profile: 'dev' }, env, files);
    assert.equal(target.endpoints?.s3, 'http://127.0.0.1:9001');
    assert.equal(target.endpoints?.batch, 'http://127.0.0.1:5002');
    assert.equal(target.endpoints?.logs, 'http://127.0.0.1:5002');
    const setting = resolveAwsTarget({ profile: 'dev', endpointUrl: 'http://127.0.0.1:7000' }, env, files);
    assert.ok(Object.values(setting.endpoints ?? {}).every((url) => url === 'http://127.0.0.1:7000'));
    const onlyService = resolveAwsTarget(
      { profile: 'plain' },
      { AWS_ENDPOINT_URL_BATCH: 'http://127.0.0.1:5003' },
      files,
    );
    assert.equal(onlyService.endpoints?.batch, 'http://127.0.0.1:5003');
    assert.equal(onlyService.endpoints?.s3, undefined);
    assert.equal(onlyService.endpoint, undefined);
  });

  test('ignore_configured_endpoint_urls / AWS_IGNORE_CONFIGURED_ENDPOINT_URLS drop the configured endpoints', async () => {
    const files = await loadSharedProfiles();
    assert.equal(resolveAwsTarget({ profile: 'ignoring' }, {}, files).endpoints?.batch, undefined);
    const env = { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true', AWS_ENDPOINT_URL: 'http://127.0.0.1:5002' };
    assert.equal(resolveAwsTarget({ profile: 'dev' }, env, files).endpoints?.s3, undefined);
  });

  test("the clients use each service's endpoint and the profile's retry settings", async () => {
    process.env.AWS_ENDPOINT_URL_BATCH = 'http://127.0.0.1:5004';
    const clients = await createAwsClients({ profile: 'dev' });
    try {
      const s3 = await clients.s3.config.endpoint!();
      assert.equal(`${s3.hostname}:${s3.port}`, '127.0.0.1:9000');
      assert.equal(clients.target.endpoints?.batch, 'http://127.0.0.1:5004');
      assert.equal(await clients.s3.config.maxAttempts(), 7);
      assert.equal(await clients.ecr.config.retryStrategy().then((s) => (s as { mode?: string }).mode), 'standard');
    } finally {
      clients.destroy();
    }
    const plain = await createAwsClients({ profile: 'plain' });
    try {
      assert.equal(await plain.s3.config.maxAttempts(), 4);
      assert.equal(await plain.ecr.config.retryStrategy().then((s) => (s as { mode?: string }).mode), 'adaptive');
    } finally {
      plain.destroy();
    }
  });

  test('an MFA role profile asks for the code of its device', async () => {
    const files = await loadSharedProfiles();
    assert.equal(resolveAwsTarget({ profile: 'mfa' }, {}, files).mfaSerial, 'arn:aws:iam::123456789012:mfa/me');
    const asked: string[] = [];
    const clients = await createAwsClients({ profile: 'mfa', endpointUrl: 'http://127.0.0.1:1' }, process.env, {
      mfaCodeProvider: async (serial) => {
        asked.push(serial);
        throw new Error('test: no code');
      },
    });
    try {
      await assert.rejects(() => clients.s3.config.credentials(), /no code/);
      assert.deepEqual(asked, ['arn:aws:iam::123456789012:mfa/me']);
    } finally {
      clients.destroy();
    }
  });

  test('without a code prompt, an MFA profile says it needs a code, not "No AWS credentials found"', async () => {
    const clients = await createAwsClients({ profile: 'mfa', endpointUrl: 'http://127.0.0.1:1' });
    try {
      const error = await clients.s3.config.credentials().then(
        () => assert.fail('credentials without an MFA code'),
        (caught: unknown) => caught,
      );
      const problem = explainAwsError(error, 's3:ListBucket', clients.target);
      assert.match(problem.message, /needs an MFA code/);
      assert.doesNotMatch(problem.message, /No AWS credentials found/);
    } finally {
      clients.destroy();
    }
  });
});
