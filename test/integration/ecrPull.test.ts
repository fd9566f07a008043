// Base images on other accounts' and regions' ECR registries: the sign-in map the build's pulls get,
// made with GetAuthorizationToken on moto's ECR in each region (a real ECR pull cannot be reached
// from here: the map is checked at that boundary). One call per region, none for the region of the
// account's own registry, other registries left to config.json, and no token in the log lines.
import * as assert from 'node:assert/strict';
import { ECRClient } from '@aws-sdk/client-ecr';
import Docker from 'dockerode';
import { ecrPullCredentials } from '../../src/aws/ecrPull';
import { loadRunConfig } from '../../src/config/loadConfig';
import { runLocally } from '../../src/submit/localRun';
import {
  BUCKET,
  QUEUE,
  TestClients,
  clients,
  configFile,
  makeWorkspace,
  newCacheDir,
  pipeline,
  registryCredentials,
  removeTempDirs,
  repositoryExists,
  requireStandIns,
  runtimePath,
  submitError,
  suffix,
} from './submitFixture';

const OTHER_ACCOUNT = '111122223333.dkr.ecr.eu-west-1.amazonaws.com';
const THIRD_ACCOUNT = '444455556666.dkr.ecr.eu-west-1.amazonaws.com';
const OTHER_REGION = '999988887777.dkr.ecr.ap-southeast-2.amazonaws.com';
const SAME_REGION = '777766665555.dkr.ecr.us-east-1.amazonaws.com';

suite('ECR sign-in for base images of other accounts and regions (moto)', () => {
  let aws: TestClients;
  suiteSetup(async () => {
    aws = await clients();
  });
  suiteTeardown(() => {
    aws?.destroy();
    removeTempDirs();
  });

  test('one token per region, for every ECR host of that region; other registries are left out', async () => {
    const regions: string[] = [];
    const signIn = await ecrPullCredentials(
      [OTHER_ACCOUNT, THIRD_ACCOUNT, OTHER_REGION, OTHER_ACCOUNT, 'ghcr.io', 'docker.io', '127.0.0.1:5000'],
      (region) => {
        regions.push(region);
        return aws.ecrIn(region);
      },
    );
    assert.deepEqual(regions.sort(), ['ap-southeast-2', 'eu-west-1']);
    assert.deepEqual(Object.keys(signIn.credentials).sort(), [OTHER_REGION, OTHER_ACCOUNT, THIRD_ACCOUNT].sort());
    // What moto's GetAuthorizationToken in that region decodes to: the registry's user and password.
    const own = await registryCredentials(aws);
    for (const credentials of Object.values(signIn.credentials)) {
      assert.deepEqual(credentials, { username: 'AWS', password: own.password });
    }
    assert.deepEqual(signIn.log, [
      `Base images: signed in to ECR in eu-west-1 for ${OTHER_ACCOUNT}, ${THIRD_ACCOUNT} with your AWS credentials`,
      `Base images: signed in to ECR in ap-southeast-2 for ${OTHER_REGION} with your AWS credentials`,
    ]);
    for (const line of signIn.log) assert.ok(!line.includes(own.password), line);
  });

  test("the own registry's region uses the token at hand; a region whose sign-in fails is logged, not fatal", async () => {
    const token = { username: 'AWS', password: 'token-at-hand' };
    // An ECR endpoint that refuses connections: the sign-in for ap-southeast-2 fails.
    const unreachable = new ECRClient({
      region: 'ap-southeast-2',
      endpoint: 'http://127.0.0.1:9',
      maxAttempts: 1,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    try {
      const signIn = await ecrPullCredentials(
        [SAME_REGION, OTHER_REGION],
        (region) => {
          assert.notEqual(region, 'us-east-1', 'no call for the region whose token is at hand');
          return unreachable;
        },
        new Map([['us-east-1', token]]),
      );
      assert.deepEqual(signIn.credentials, { [SAME_REGION]: token });
      assert.match(
        signIn.log.find((line) => line.startsWith('Could not')) ?? '',
        new RegExp(
          `^Could not sign in to ECR in ap-southeast-2 for ${OTHER_REGION.replace(/\./g, '\\.')}: ecr:GetAuthorizationToken failed: .*The build tries without\\.$`,
        ),
      );
    } finally {
      unreachable.destroy();
    }
  });

  test("Build and Push Image signs in to the FROM image's ECR region through the client layer before the build", async () => {
    const repository = `ecr-from-${suffix()}`;
    const dir = makeWorkspace({
      Dockerfile: `FROM ${OTHER_ACCOUNT}/research/base:1\nRUN echo ok\n`,
      'aws-batch.json': configFile({
        name: repository,
        repository,
        jobQueue: QUEUE,
        results: { bucket: BUCKET },
        tasks: { command: ['true'], count: 1 },
      }),
    });
    const lines: string[] = [];
    const run = pipeline(aws, { cacheDir: newCacheDir() }, lines).buildAndPush(await loadRunConfig(dir));
    // The registry itself is out of reach here: the pull fails, naming it.
    const error = await submitError(run, 'build');
    assert.equal(error.kind, 'build');
    assert.ok(error.message.includes(OTHER_ACCOUNT), error.message);
    assert.ok(
      lines.includes(`Base images: signed in to ECR in eu-west-1 for ${OTHER_ACCOUNT} with your AWS credentials`),
      lines.join('\n'),
    );
    assert.equal(await repositoryExists(aws, repository), false, 'a failed build creates no repository');
  });

  test("Run Locally signs in to the FROM image's ECR region too, and asks for AWS only when a FROM is on ECR", async () => {
    const docker = new Docker();
    const workspace = (from: string) =>
      makeWorkspace({
        Dockerfile: `FROM ${from}\nRUN echo ok\n`,
        'aws-batch.json': configFile({
          name: `local-ecr-${suffix()}`,
          repository: `local-ecr-${suffix()}`,
          jobQueue: QUEUE,
          results: { bucket: BUCKET },
          tasks: { command: ['true'], count: 1 },
        }),
      });
    let asked = 0;
    const ecrIn = async () => {
      asked++;
      return (region: string) => aws.ecrIn(region);
    };
    const lines: string[] = [];
    const options = { docker, runtimePath, runtimeNodeImage: 'unused', cacheDir: newCacheDir(), ecrIn };
    // The registry itself is out of reach: the run is cancelled once signed in, before any pull.
    const abort = new AbortController();
    const signedIn = `Base images: signed in to ECR in eu-west-1 for ${OTHER_ACCOUNT} with your AWS credentials`;
    const error = await submitError(
      runLocally({
        ...options,
        loaded: await loadRunConfig(workspace(`${OTHER_ACCOUNT}/research/base:1`)),
        signal: abort.signal,
        log: (line) => {
          lines.push(line);
          if (line === signedIn) abort.abort();
        },
      }),
      'run',
    );
    assert.equal(error.kind, 'cancelled', error.message);
    assert.equal(asked, 1);
    assert.ok(lines.includes(signedIn), lines.join('\n'));
    // A base image elsewhere: no AWS at all (the build fails on the missing image, not on sign-in).
    await submitError(
      runLocally({
        ...options,
        loaded: await loadRunConfig(workspace(`${requireStandIns().registry}/missing-${suffix()}:1`)),
      }),
      'build',
    );
    assert.equal(asked, 1, 'no ECR client asked for without an ECR base image');
  });
});
