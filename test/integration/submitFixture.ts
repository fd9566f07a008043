// Shared by the submit integration tests: sample workspaces, a pipeline wired to the stand-ins
// (Docker engine, registry on 127.0.0.1:5000, moto), the registry's view of an image, and cleanup
// that removes exactly what a test created.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  BatchClient,
  DeregisterJobDefinitionCommand,
  DescribeJobDefinitionsCommand,
  DescribeJobsCommand,
  JobDetail,
  ListJobsCommand,
} from '@aws-sdk/client-batch';
import { DeleteRepositoryCommand, DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import Docker from 'dockerode';
import { extract } from 'tar-stream';
import { AwsClients, createAwsClients } from '../../src/aws/clients';
import { getRegistryCredentials } from '../../src/aws/ecr';
import { checkEngine } from '../../src/docker/engine';
import { MANIFEST_TYPES, RegistryCredentials, registryBaseUrl } from '../../src/docker/registry';
import type { RuntimeSource } from '../../src/docker/runtimeFiles';
import { SubmitError } from '../../src/shared/errors';
import { PipelineOptions, SubmitPipeline } from '../../src/submit/pipeline';

export const root = join(__dirname, '..', '..', '..');
export const runtimePath = join(root, 'dist', 'runtime.js');

/** Where the runtime comes from for a linux/amd64 image on this engine; its log lines go to `lines`. */
export async function runtimeSource(
  docker: Docker,
  options: { nodeImage: string; cacheDir: string; lines: string[] },
): Promise<RuntimeSource> {
  return {
    platform: 'linux/amd64',
    runtimePath,
    nodeImage: options.nodeImage,
    cacheDir: options.cacheDir,
    engine: await checkEngine(docker),
    log: (line) => options.lines.push(line),
  };
}
export const BUCKET = 'batch-runner-results';
export const QUEUE = 'research-queue';
/** First compute environment FARGATE (then EC2, which moto allows and AWS would not). */
export const FARGATE_QUEUE = 'priority-queue';
/** The fixture's execution role (scripts/fixture.py). */
export const EXECUTION_ROLE = 'arn:aws:iam::123456789012:role/batch-runner-execution-role';

/** Each task leaves an output.json, which the runtime gathers into results.jsonl. */
export const TASK_COMMAND = [
  'sh',
  '-c',
  'echo "{\\"square\\": $((${index} * ${index}))}" > "$TASK_OUTPUT_DIR/output.json"',
];
/**
 * What the job role and ECS give a container in AWS, given by hand on the stand-in: moto's job
 * containers (host network) reach moto at the host's address and have no role credentials.
 */
export const STAND_IN_ENV = {
  AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL ?? '',
  AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
};

export function requireStandIns(): { registry: string; nodeImage: string } {
  for (const name of ['AWS_ENDPOINT_URL', 'AWS_REGION', 'BATCH_RUNNER_REGISTRY']) {
    assert.ok(process.env[name], `${name} is not set: run eval "$(bash scripts/backend.sh env)" first`);
  }
  assert.ok(existsSync(runtimePath), `${runtimePath} is missing: run npm run build first`);
  return {
    registry: process.env.BATCH_RUNNER_REGISTRY as string,
    nodeImage: process.env.BATCH_RUNNER_NODE_IMAGE ?? 'local/node:22',
  };
}

export function suffix(): string {
  return `${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
}

/** Temporary folders made by makeWorkspace and newCacheDir; removeTempDirs deletes them. */
const tempDirs: string[] = [];

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function makeWorkspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'submit-ws-'));
  tempDirs.push(dir);
  writeFiles(dir, files);
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
}

export function configFile(config: Record<string, unknown>): string {
  return JSON.stringify(config, null, 2);
}

/** Everything the pipelines of a suite printed or reported, to check that no credential leaked. */
export const transcript: string[] = [];

export function pipeline(
  aws: TestClients,
  overrides: Partial<PipelineOptions> & { cacheDir: string },
  lines: string[] = [],
): SubmitPipeline {
  const { registry, nodeImage } = requireStandIns();
  return new SubmitPipeline({
    aws,
    docker: new Docker(),
    registryHost: registry,
    runtimeNodeImage: nodeImage,
    runtimePath,
    log: (line) => {
      lines.push(line);
      transcript.push(line);
    },
    progress: { report: (message) => transcript.push(message) },
    ...overrides,
  });
}

/** The extension's clients, plus a raw SDK Batch client for checking what moto holds. */
export type TestClients = AwsClients & { sdkBatch: BatchClient };

export async function clients(): Promise<TestClients> {
  const aws = await createAwsClients({}, process.env, { maxAttempts: 2 });
  const sdkBatch = new BatchClient({ region: aws.target.region, endpoint: aws.target.endpoint, maxAttempts: 2 });
  return {
    ...aws,
    sdkBatch,
    destroy() {
      aws.destroy();
      sdkBatch.destroy();
    },
  };
}

export async function registryCredentials(aws: TestClients): Promise<RegistryCredentials> {
  return getRegistryCredentials(aws.ecr, requireStandIns().registry);
}

async function registryGet(credentials: RegistryCredentials, path: string, accept?: string): Promise<Response> {
  const response = await fetch(`${registryBaseUrl(credentials.host)}${path}`, {
    headers: {
      Authorization: 'Basic ' + Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64'),
      ...(accept ? { Accept: accept } : {}),
    },
  });
  assert.equal(response.status, 200, `GET ${path}: HTTP ${response.status}`);
  return response;
}

export interface RegistryImage {
  digest: string;
  layers: string[];
  config: { config?: { Cmd?: string[]; Entrypoint?: string[] | null; Labels?: Record<string, string> } };
}

/** The image as the registry has it: manifest digest, layer digests, image config. */
export async function registryImage(
  credentials: RegistryCredentials,
  repository: string,
  reference: string,
): Promise<RegistryImage> {
  const response = await registryGet(
    credentials,
    `/v2/${repository}/manifests/${reference}`,
    MANIFEST_TYPES.join(', '),
  );
  const manifest = (await response.json()) as { config: { digest: string }; layers: { digest: string }[] };
  const config = await (await registryGet(credentials, `/v2/${repository}/blobs/${manifest.config.digest}`)).json();
  return {
    digest: response.headers.get('docker-content-digest') ?? '',
    layers: manifest.layers.map((layer) => layer.digest),
    config: config as RegistryImage['config'],
  };
}

/** Pulls `ref` from the registry onto the engine (an image Submit put together in the registry). */
export async function pullImage(docker: Docker, ref: string, credentials: RegistryCredentials): Promise<void> {
  const stream = (await docker.pull(ref, {
    authconfig: { username: credentials.username, password: credentials.password, serveraddress: credentials.host },
  })) as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (error: Error | null, events: { error?: string }[]) => {
      const failed = events?.find((event) => event.error);
      if (error || failed) reject(error ?? new Error(failed?.error));
      else resolve();
    }),
  );
}

/** The files of one layer blob (gzip tar) in the registry: name -> content. */
export async function layerFiles(
  credentials: RegistryCredentials,
  repository: string,
  digest: string,
): Promise<Map<string, Buffer>> {
  const blob = Buffer.from(await (await registryGet(credentials, `/v2/${repository}/blobs/${digest}`)).arrayBuffer());
  const files = new Map<string, Buffer>();
  const reader = extract();
  reader.on('entry', (header, body, next) => {
    const chunks: Buffer[] = [];
    body.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    body.on('end', () => {
      files.set(header.name.replace(/^\.?\//, ''), Buffer.concat(chunks));
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    reader.on('finish', resolve);
    reader.on('error', reject);
    reader.end(gunzipSync(blob));
  });
  return files;
}

export async function activeRevisions(aws: TestClients, name: string): Promise<number[]> {
  const out = await aws.sdkBatch.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: name, status: 'ACTIVE' }));
  return (out.jobDefinitions ?? [])
    .filter((d) => d.jobDefinitionName === name && d.status === 'ACTIVE')
    .map((d) => d.revision ?? 0)
    .sort();
}

export async function repositoryExists(aws: TestClients, name: string): Promise<boolean> {
  try {
    await aws.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'RepositoryNotFoundException') return false;
    throw error;
  }
}

export async function objectKeys(aws: TestClients, prefix: string): Promise<string[]> {
  const out = await aws.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (out.Contents ?? []).map((object) => object.Key ?? '');
}

/** The SubmitError an operation must fail with. */
export async function submitError(operation: Promise<unknown>, what: string): Promise<SubmitError> {
  const error = await operation.then(
    () => assert.fail(`the ${what} succeeded`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof SubmitError, `expected a SubmitError, got ${String(error)}`);
  return error;
}

/** The run's results.jsonl, one parsed row per line. */
export async function runResults(aws: TestClients, runId: string): Promise<unknown[]> {
  const object = await aws.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `runs/${runId}/results.jsonl` }));
  return (await object.Body!.transformToString())
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
}

export async function jobsNamed(aws: TestClients, prefix: string, queue = QUEUE): Promise<string[]> {
  // moto lists every status when none is given.
  const out = await aws.sdkBatch.send(new ListJobsCommand({ jobQueue: queue }));
  return (out.jobSummaryList ?? []).filter((job) => job.jobName?.startsWith(prefix)).map((job) => job.jobId ?? '');
}

/** Asserts that a failed attempt left nothing behind: repository, definition, job or run files. */
export async function assertNothingCreated(
  aws: TestClients,
  name: string,
  repository: string,
  queue = QUEUE,
): Promise<void> {
  assert.equal(await repositoryExists(aws, repository), false, `ECR repository ${repository} was created`);
  assert.deepEqual(await activeRevisions(aws, name), [], `job definition ${name} was registered`);
  assert.deepEqual(await jobsNamed(aws, `${name}-`, queue), [], `a job named ${name}-... was submitted`);
  assert.deepEqual(await objectKeys(aws, `runs/${name}-`), [], 'run files were written');
}

export async function waitForJob(
  aws: TestClients,
  jobId: string,
  done: (job: JobDetail) => boolean,
  timeoutMs: number,
): Promise<JobDetail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await aws.sdkBatch.send(new DescribeJobsCommand({ jobs: [jobId] }))).jobs?.[0];
    assert.ok(job, `moto does not know job ${jobId}`);
    if (done(job)) return job;
    assert.ok(Date.now() < deadline, `job ${jobId} still ${job.status} after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export const TERMINAL = (job: JobDetail) => job.status === 'SUCCEEDED' || job.status === 'FAILED';

/** Removes what a suite created: definitions, repositories, run files, local image tags, job containers. */
export async function cleanUp(
  aws: TestClients,
  docker: Docker,
  created: { names: string[]; repositories: string[]; jobs: { id: string; name: string }[] },
): Promise<void> {
  const { registry } = requireStandIns();
  // Let the jobs' containers finish (each runs for a few seconds), then remove them.
  await Promise.all(created.jobs.map((job) => waitForJob(aws, job.id, TERMINAL, 60_000).catch(() => undefined)));
  for (const job of created.jobs) {
    await docker
      .getContainer(`${job.name}-${job.id}`)
      .remove({ force: true })
      .catch(() => undefined);
  }
  for (const name of created.names) {
    for (const revision of await activeRevisions(aws, name).catch(() => [])) {
      await aws.sdkBatch
        .send(new DeregisterJobDefinitionCommand({ jobDefinition: `${name}:${revision}` }))
        .catch(() => undefined);
    }
    const keys = await objectKeys(aws, `runs/${name}-`).catch(() => []);
    if (keys.length) {
      await aws.s3
        .send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys.map((Key) => ({ Key })) } }))
        .catch(() => undefined);
    }
  }
  for (const repository of created.repositories) {
    await aws.ecr.send(new DeleteRepositoryCommand({ repositoryName: repository, force: true })).catch(() => undefined);
    const images = await docker.listImages({ filters: { reference: [`${registry}/${repository}`] } });
    for (const image of images) {
      for (const tag of image.RepoTags ?? [])
        await docker
          .getImage(tag)
          .remove()
          .catch(() => undefined);
    }
  }
}

export function newCacheDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'submit-cache-'));
  tempDirs.push(dir);
  return dir;
}
