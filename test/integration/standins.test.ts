// Checks that the local stand-ins from scripts/backend.sh behave as the extension needs:
// the registry on 127.0.0.1:5000 mimics ECR's `docker login -u AWS`, dockerode can push to it, a
// Batch job submitted into moto runs as a real container, and local/python:3 runs Debian's python3.
//
// Assumes `bash scripts/backend.sh up` ran and the variables from `bash scripts/backend.sh env` are set.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  BatchClient,
  DeregisterJobDefinitionCommand,
  DescribeJobsCommand,
  SubmitJobCommand,
  type JobDetail,
} from '@aws-sdk/client-batch';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import Docker from 'dockerode';
import { registerBusyboxDefinition } from '../helpers/jobDefinitions';

const JOB_TIMEOUT_MS = 90_000;
const RECIPE_LABEL = 'org.batch-runner.recipe';
const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
].join(', ');

function requireEnv(name: string): string {
  const value = process.env[name];
  assert.ok(value, `${name} is not set: run eval "$(bash scripts/backend.sh env)" first`);
  return value;
}

function suffix(): string {
  return `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

function basic(user: string, password: string): string {
  return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The registry credentials, exactly as the extension gets them: from ECR GetAuthorizationToken. */
async function ecrCredentials(): Promise<{ username: string; password: string }> {
  const ecr = new ECRClient({});
  try {
    const out = await ecr.send(new GetAuthorizationTokenCommand({}));
    const token = out.authorizationData?.[0]?.authorizationToken;
    assert.ok(token, 'GetAuthorizationToken returned no token');
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    assert.ok(colon > 0, `token does not decode to user:password (${decoded})`);
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  } finally {
    ecr.destroy();
  }
}

interface PushEvent {
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { Tag?: string; Digest?: string; Size?: number };
}

/** Push and collect the progress events; resolves even when the daemon reports an error event. */
async function push(docker: Docker, name: string, auth: Docker.AuthConfig): Promise<PushEvent[]> {
  const stream = await docker.getImage(name).push({ authconfig: auth });
  return new Promise<PushEvent[]>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, output: PushEvent[]) =>
      err ? reject(err) : resolve(output),
    );
  });
}

function pushError(events: PushEvent[]): string | undefined {
  const failed = events.find((e) => e.error !== undefined || e.errorDetail !== undefined);
  return failed ? (failed.errorDetail?.message ?? failed.error ?? 'unknown error') : undefined;
}

suite('stand-ins: registry, docker push, Batch in moto', function () {
  let registry: string;

  suiteSetup(function () {
    requireEnv('AWS_ENDPOINT_URL');
    requireEnv('AWS_REGION');
    registry = requireEnv('BATCH_RUNNER_REGISTRY');
  });

  test('registry refuses a wrong password and accepts AWS + the password from GetAuthorizationToken', async function () {
    const { username, password } = await ecrCredentials();
    assert.equal(username, 'AWS');

    const anonymous = await fetch(`http://${registry}/v2/`);
    assert.equal(anonymous.status, 401, 'registry answers /v2/ without credentials');

    const wrong = await fetch(`http://${registry}/v2/`, {
      headers: { Authorization: basic(username, `${password}-wrong`) },
    });
    assert.equal(wrong.status, 401, 'registry accepted a wrong password');

    const right = await fetch(`http://${registry}/v2/`, { headers: { Authorization: basic(username, password) } });
    assert.equal(right.status, 200, `registry refused ${username} + the ECR token password`);
  });

  test('dockerode pushes local/busybox:latest to the registry with X-Registry-Auth', async function () {
    this.timeout(60_000);
    const docker = new Docker();
    const { username, password } = await ecrCredentials();
    const repo = `${registry}/standins-test`;
    const tag = suffix();
    const name = `${repo}:${tag}`;
    const auth: Docker.AuthConfig = { username, password, serveraddress: registry };
    const authHeader = { Authorization: basic(username, password) };

    await docker.getImage('local/busybox:latest').tag({ repo, tag });
    try {
      const wrong = await push(docker, name, { ...auth, password: `${password}-wrong` });
      const wrongError = pushError(wrong);
      assert.ok(wrongError, 'push with a wrong password succeeded');
      assert.match(wrongError, /unauthorized|authentication required|no basic auth/i);

      const events = await push(docker, name, auth);
      assert.equal(pushError(events), undefined, `push failed: ${JSON.stringify(events.slice(-3))}`);
      const digest = events.find((e) => e.aux?.Digest)?.aux?.Digest;
      assert.ok(digest, `push reported no digest: ${JSON.stringify(events.slice(-3))}`);

      const manifest = await fetch(`http://${registry}/v2/standins-test/manifests/${tag}`, {
        headers: { ...authHeader, Accept: MANIFEST_TYPES },
      });
      assert.equal(manifest.status, 200, 'pushed tag is not in the registry');
      assert.equal(manifest.headers.get('docker-content-digest'), digest);

      // clean up the registry side (delete is enabled in the registry config; blobs stay until a GC)
      const del = await fetch(`http://${registry}/v2/standins-test/manifests/${digest}`, {
        method: 'DELETE',
        headers: authHeader,
      });
      assert.equal(del.status, 202, 'could not delete the pushed manifest');
    } finally {
      await docker
        .getImage(name)
        .remove()
        .catch(() => undefined);
    }
  });

  test('local/python:3 is made by its recipe and runs python3 in a container that is removed afterwards', async function () {
    this.timeout(60_000);
    const docker = new Docker();
    const image = requireEnv('BATCH_RUNNER_PYTHON_IMAGE');
    assert.equal(image, 'local/python:3');

    const info = await docker.getImage(image).inspect();
    assert.match(info.Config.Labels?.[RECIPE_LABEL] ?? '', /^python-\d+$/, `${RECIPE_LABEL} label`);
    assert.deepEqual(info.Config.Cmd, ['python3']);
    assert.ok(info.Config.Env?.includes('PYTHONUNBUFFERED=1'), `Env is ${JSON.stringify(info.Config.Env)}`);

    const name = `standins-python-${suffix()}`;
    const container = await docker.createContainer({
      name,
      Image: image,
      Cmd: ['python3', '-c', "import json,sys; print(json.dumps({'ok': sys.version_info[0]}))"],
      Tty: true, // one plain stream, no multiplexing headers
      HostConfig: { NetworkMode: 'none' },
    });
    try {
      await container.start();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      // follow: a stream of the raw bytes (without it, docker-modem parses a body that is valid JSON)
      const stream = await container.logs({ stdout: true, stderr: true, follow: true });
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
      const output = Buffer.concat(chunks).toString('utf8');
      assert.equal(StatusCode, 0, `python3 exited ${StatusCode}: ${output}`);
      assert.deepEqual(JSON.parse(output.trim()), { ok: 3 }, `output was ${JSON.stringify(output)}`);
    } finally {
      await container.remove({ force: true });
    }
    const gone = await docker.listContainers({ all: true, filters: { name: [name] } });
    assert.deepEqual(gone, [], `container ${name} is still there`);
    await assert.rejects(container.inspect(), (err: { statusCode?: number }) => err.statusCode === 404);
  });

  test('a Batch job on research-queue runs local/busybox:latest as a real container and SUCCEEDS', async function () {
    this.timeout(JOB_TIMEOUT_MS + 30_000);
    const batch = new BatchClient({});
    const logs = new CloudWatchLogsClient({});
    const name = `standins-test-${suffix()}`;
    let jobDefinitionArn: string | undefined;
    try {
      jobDefinitionArn = await registerBusyboxDefinition(batch, name, ['sh', '-c', 'echo hello']);
      assert.ok(jobDefinitionArn);

      const submitted = await batch.send(
        new SubmitJobCommand({ jobName: name, jobQueue: 'research-queue', jobDefinition: jobDefinitionArn }),
      );
      const jobId = submitted.jobId;
      assert.ok(jobId);

      const deadline = Date.now() + JOB_TIMEOUT_MS;
      const seen: string[] = [];
      let job: JobDetail | undefined;
      for (;;) {
        job = (await batch.send(new DescribeJobsCommand({ jobs: [jobId] }))).jobs?.[0];
        assert.ok(job, `DescribeJobs does not know job ${jobId}`);
        if (job.status && seen[seen.length - 1] !== job.status) seen.push(job.status);
        if (job.status === 'SUCCEEDED' || job.status === 'FAILED') break;
        assert.ok(
          Date.now() < deadline,
          `job still ${job.status} after ${JOB_TIMEOUT_MS / 1000} s (${seen.join(' > ')})`,
        );
        await sleep(1000);
      }
      assert.equal(job.status, 'SUCCEEDED', `job ended ${job.status}: ${job.statusReason ?? ''} (${seen.join(' > ')})`);

      // The container's own output, which moto copies to CloudWatch Logs after the container exits,
      // proves that a real container ran.
      const stream = job.container?.logStreamName;
      assert.ok(stream, 'job has no log stream');
      const events = await logs.send(
        new GetLogEventsCommand({ logGroupName: '/aws/batch/job', logStreamName: stream, startFromHead: true }),
      );
      const lines = (events.events ?? []).map((e) => e.message);
      assert.ok(lines.includes('hello'), `container output was ${JSON.stringify(lines)}`);
    } finally {
      if (jobDefinitionArn) {
        await batch
          .send(new DeregisterJobDefinitionCommand({ jobDefinition: jobDefinitionArn }))
          .catch(() => undefined);
      }
      batch.destroy();
      logs.destroy();
    }
  });
});
