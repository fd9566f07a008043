// The JSON schema (what the editor checks while typing) and the parser (what Submit checks) must agree.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { KNOWN_KEYS, parseRunConfig } from '../../src/config/runConfig';

const root = join(__dirname, '..', '..', '..');
const schemaPath = join(root, 'src', 'config', 'aws-batch.schema.json');
const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));

const base = {
  jobQueue: 'research-queue',
  results: { bucket: 'my-results' },
  tasks: { command: ['python', 'run.py'], count: 3 },
};

/** [description, configuration]: each must be accepted by both or refused by both. */
const samples: [string, unknown][] = [
  ['minimal', base],
  ['cluster', { ...base, tasks: undefined, cluster: { manager: ['m'], worker: ['w'], minWorkers: 1 }, workers: 2 }],
  ['cluster port', { ...base, tasks: undefined, cluster: { manager: ['m'], worker: ['w'], workerPort: 9009 } }],
  [
    'cluster ready file',
    { ...base, tasks: undefined, cluster: { manager: ['m'], worker: ['w'], workerPort: 22, ready: 'file' } },
  ],
  ['cluster port 0', { ...base, tasks: undefined, cluster: { manager: ['m'], worker: ['w'], workerPort: 0 } }],
  ['cluster ready word', { ...base, tasks: undefined, cluster: { manager: ['m'], worker: ['w'], ready: 'up' } }],
  [
    'cluster ready port alone',
    { ...base, tasks: undefined, cluster: { manager: ['m'], worker: ['w'], ready: 'port' } },
  ],
  [
    'everything',
    {
      ...base,
      $schema: './x.json',
      name: 'mc_1',
      dockerfile: 'docker/Dockerfile',
      context: '..',
      platform: 'linux/arm64',
      buildArgs: { A: 'b' },
      repository: 'team/mc-1',
      jobRoleArn: 'arn:aws:iam::123456789012:role/batch-job-role',
      fargate: {
        executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
        assignPublicIp: true,
        platformVersion: '1.4.0',
      },
      resources: { vcpus: 0.5, memory: 512, gpus: 1 },
      workers: { min: 1, max: 4 },
      launchTimeoutSeconds: 60,
      jobTimeoutSeconds: 3600,
      environment: { SEED: '1' },
      tasks: { command: ['x'], inputsFile: 'in.jsonl', retries: 2, timeoutSeconds: 10, slotsPerWorker: 2 },
    },
  ],
  ['unknown key', { ...base, jobqueue: 'x' }],
  ['no queue', { ...base, jobQueue: undefined }],
  ['no results', { ...base, results: undefined }],
  ['no bucket', { ...base, results: { prefix: 'x/' } }],
  ['bucket URL', { ...base, results: { bucket: 's3://b' } }],
  ['both modes', { ...base, cluster: { manager: ['m'], worker: ['w'] } }],
  ['neither mode', { ...base, tasks: undefined }],
  ['count and inputs', { ...base, tasks: { command: ['x'], count: 1, inputs: [1] } }],
  ['memory as text', { ...base, resources: { memory: '2GB' } }],
  ['vcpus step', { ...base, resources: { vcpus: 0.3 } }],
  ['platform', { ...base, platform: 'windows/amd64' }],
  ['repository case', { ...base, repository: 'Repo' }],
  ['name with space', { ...base, name: 'a b' }],
  ['reserved env', { ...base, environment: { AWS_BATCH_JOB_ID: 'x' } }],
  ['env number', { ...base, environment: { A: 1 } }],
  ['workers zero', { ...base, workers: 0 }],
  ['job timeout too short', { ...base, jobTimeoutSeconds: 30 }],
  ['fargate role only', { ...base, fargate: { executionRoleArn: 'arn:aws:iam::123456789012:role/exec' } }],
  ['fargate without role', { ...base, fargate: { assignPublicIp: true } }],
  ['fargate role not an ARN', { ...base, fargate: { executionRoleArn: 'exec' } }],
  [
    'fargate public IP as text',
    { ...base, fargate: { executionRoleArn: 'arn:aws:iam::123456789012:role/e', assignPublicIp: 'yes' } },
  ],
  [
    'fargate platform version',
    { ...base, fargate: { executionRoleArn: 'arn:aws:iam::123456789012:role/e', platformVersion: 'new' } },
  ],
  ['fargate unknown key', { ...base, fargate: { executionRoleArn: 'arn:aws:iam::123456789012:role/e', subnets: [] } }],
  ['command string', { ...base, tasks: { command: 'x', count: 1 } }],
  ['empty command', { ...base, tasks: { command: [], count: 1 } }],
];

suite('aws-batch.json schema', () => {
  test('is contributed through jsonValidation, and aws-batch.json is JSON with comments', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const validation = manifest.contributes.jsonValidation.find(
      (entry: { fileMatch: string }) => entry.fileMatch === 'aws-batch.json',
    );
    assert.ok(validation, 'no jsonValidation entry for aws-batch.json');
    assert.ok(existsSync(join(root, validation.url)), `${validation.url} does not exist`);
    const language = manifest.contributes.languages.find((entry: { filenames?: string[] }) =>
      entry.filenames?.includes('aws-batch.json'),
    );
    assert.equal(language?.id, 'jsonc');
    assert.match(readFileSync(join(root, '.vscodeignore'), 'utf8'), /^!src\/config\/aws-batch\.schema\.json$/m);
  });

  test('names the same settings as the parser', () => {
    assert.deepEqual(Object.keys(schema.properties).sort(), [...KNOWN_KEYS['']].sort());
    for (const key of ['fargate', 'resources', 'results', 'tasks', 'cluster'] as const) {
      assert.deepEqual(Object.keys(schema.properties[key].properties).sort(), [...KNOWN_KEYS[key]].sort(), key);
    }
    const range = schema.properties.workers.oneOf.find((s: { type: string }) => s.type === 'object');
    assert.deepEqual(Object.keys(range.properties).sort(), [...KNOWN_KEYS.workers].sort());
  });

  test('accepts and refuses the same files as the parser', () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    for (const [description, sample] of samples) {
      const value = JSON.parse(JSON.stringify(sample));
      const bySchema = validate(value);
      let byParser = true;
      let reason = '';
      try {
        parseRunConfig(JSON.stringify(value), 'folder');
      } catch (error) {
        byParser = false;
        reason = (error as Error).message;
      }
      assert.equal(
        bySchema,
        byParser,
        `${description}: schema ${bySchema ? 'accepts' : 'refuses'} (${JSON.stringify(validate.errors?.[0] ?? '')}), parser ${byParser ? 'accepts' : `refuses: ${reason}`}`,
      );
    }
  });
});
