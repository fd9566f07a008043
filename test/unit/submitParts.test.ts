import * as assert from 'node:assert/strict';
import { proposeTaskCommand } from '../../src/config/proposeCommand';
import { decodeAuthorizationToken } from '../../src/aws/ecr';
import { parseRunConfig } from '../../src/config/runConfig';
import { buildRunSpec, newRunId, runKeyPrefix, runUri } from '../../src/config/runSpec';
import { PickItem, Prompter, WizardSources, renderConfig, runWizard, splitCommandLine } from '../../src/config/wizard';
import { splitReference } from '../../src/docker/engine';
import { parseRunSpec } from '../../src/runtime/runSpec';
import { registryBaseUrl } from '../../src/docker/registry';
import { redactor } from '../../src/submit/pipeline';

function config(extra: object) {
  return parseRunConfig(JSON.stringify({ name: 'mc', jobQueue: 'q', results: { bucket: 'bucket-1' }, ...extra }), 'f');
}

suite('submit parts', () => {
  test('run ids sort by time and are valid job names and S3 folders', () => {
    const id = newRunId('mc', new Date('2026-03-04T05:06:07.890Z'), 'a1b2c3');
    assert.equal(id, 'mc-20260304-050607-a1b2c3');
    assert.match(newRunId('x'), /^x-\d{8}-\d{6}-[0-9a-f]{6}$/);
    const c = config({ tasks: { command: ['x'], count: 2 } });
    assert.equal(runUri(c, id), 's3://bucket-1/runs/mc-20260304-050607-a1b2c3/');
    assert.equal(runKeyPrefix(c, id), 'runs/mc-20260304-050607-a1b2c3/');
  });

  test('run.json carries what the runtime reads', () => {
    const tasks = buildRunSpec(
      config({ tasks: { command: ['echo', '${index}'], count: 5, retries: 2 }, workers: 3, environment: { A: 'b' } }),
      'r1',
    );
    assert.deepEqual(tasks, {
      name: 'mc',
      runId: 'r1',
      workers: 3,
      tasks: { command: ['echo', '${index}'], count: 5, retries: 2 },
      launchTimeoutSeconds: 900,
      environment: { A: 'b' },
    });
    const inputs = buildRunSpec(config({ tasks: { command: ['x'], inputsFile: 'in.jsonl' } }), 'r2', [
      { a: 1 },
      { a: 2 },
    ]);
    assert.deepEqual(inputs.tasks, { command: ['x'], inputs: [{ a: 1 }, { a: 2 }] });
    const cluster = buildRunSpec(
      config({ cluster: { manager: ['m'], worker: ['w'] }, workers: { min: 2, max: 4 } }),
      'r3',
    );
    assert.deepEqual(cluster.cluster, { manager: ['m'], worker: ['w'] });
    const ports = buildRunSpec(
      config({ cluster: { manager: ['m'], worker: ['w'], workerPort: 9009, ready: 'file' }, workers: 2 }),
      'r4',
    );
    assert.deepEqual(ports.cluster, { manager: ['m'], worker: ['w'], workerPort: 9009, ready: 'file' });
    assert.deepEqual(cluster.workers, { min: 2, max: 4 });
    assert.equal(cluster.tasks, undefined);
  });

  test("the runtime's own parser accepts what Submit writes, unchanged", () => {
    const configs = [
      config({ tasks: { command: ['echo', '${index}'], count: 5, retries: 2, timeoutSeconds: 60 }, workers: 3 }),
      config({ tasks: { command: ['x'], inputsFile: 'in.jsonl', slotsPerWorker: 2 }, environment: { A: 'b' } }),
      config({ cluster: { manager: ['m'], worker: ['w'], minWorkers: 2 }, workers: { min: 2, max: 4 } }),
      config({ cluster: { manager: ['m'], worker: ['w'], workerPort: 9009, ready: 'port' }, workers: 2 }),
      config({ cluster: { manager: ['m'], worker: ['w'], workerPort: 22, ready: 'file' }, workers: 2 }),
    ];
    for (const [i, c] of configs.entries()) {
      const spec = buildRunSpec(c, newRunId(c.name), i === 1 ? [{ a: 1 }, 'two'] : undefined);
      assert.deepEqual(parseRunSpec(JSON.parse(JSON.stringify(spec))), spec);
    }
  });

  test('credentials: the token decodes to user and password, and the redactor hides both', () => {
    const token = Buffer.from('AWS:s3cr3t-password').toString('base64');
    assert.deepEqual(decodeAuthorizationToken(token), { username: 'AWS', password: 's3cr3t-password' });
    assert.throws(() => decodeAuthorizationToken(Buffer.from('nocolon').toString('base64')), /unknown format/);
    const redact = redactor(['s3cr3t-password', token]);
    assert.equal(redact(`login AWS s3cr3t-password then ${token}`), 'login AWS **** then ****');
  });

  test('registry addresses and image references', () => {
    assert.equal(registryBaseUrl('127.0.0.1:5000'), 'http://127.0.0.1:5000');
    assert.equal(registryBaseUrl('localhost:5000'), 'http://localhost:5000');
    assert.equal(
      registryBaseUrl('123456789012.dkr.ecr.us-east-1.amazonaws.com'),
      'https://123456789012.dkr.ecr.us-east-1.amazonaws.com',
    );
    assert.deepEqual(splitReference('127.0.0.1:5000/team/app:abc'), { repo: '127.0.0.1:5000/team/app', tag: 'abc' });
    assert.deepEqual(splitReference('127.0.0.1:5000/app'), { repo: '127.0.0.1:5000/app', tag: 'latest' });
  });

  test('command lines split like a shell would, quotes and escapes included', () => {
    assert.deepEqual(splitCommandLine('python main.py --index ${index}'), ['python', 'main.py', '--index', '${index}']);
    assert.deepEqual(splitCommandLine(`sh -c "echo 'hi there'" a\\ b ''`), ['sh', '-c', "echo 'hi there'", 'a b', '']);
    assert.throws(() => splitCommandLine('echo "open'), /unclosed " quote/);
  });

  test('the wizard writes a file the parser accepts', async () => {
    const answers: unknown[] = [
      'demo',
      'research-queue',
      '',
      'demo',
      'bucket-1',
      'tasks',
      'python sim.py ${index}',
      '20',
      '4',
    ];
    const asked: string[] = [];
    const prompter: Prompter = {
      async pick<T>(step: { title: string; items: PickItem<T>[] }) {
        asked.push(step.title);
        const answer = answers.shift();
        const item = step.items.find((i) => i.value === answer);
        assert.ok(item, `${step.title}: no item ${String(answer)} in ${step.items.map((i) => i.label).join(', ')}`);
        return item.value;
      },
      async input(step) {
        asked.push(step.title);
        const answer = String(answers.shift());
        assert.equal(step.validate(answer), undefined, `${step.title}: ${answer}`);
        return answer;
      },
    };
    const sources: WizardSources = {
      queues: async () => [{ name: 'research-queue', state: 'ENABLED', status: 'VALID', priority: 1 }],
      repositories: async () => ['other'],
      buckets: async () => ['bucket-1'],
      roles: async () => [],
    };
    const written = await runWizard(prompter, sources, 'Demo Folder');
    assert.ok(written);
    const parsed = parseRunConfig(renderConfig(written), 'Demo Folder');
    assert.equal(parsed.name, 'demo');
    assert.equal(parsed.jobQueue, 'research-queue');
    assert.equal(parsed.repository, 'demo');
    assert.deepEqual(parsed.tasks?.command, ['python', 'sim.py', '${index}']);
    assert.equal(parsed.tasks?.count, 20);
    assert.equal(parsed.workers, 4);
    assert.equal(parsed.jobRoleArn, undefined, 'an empty job role means none');
    assert.equal(parsed.fargate, undefined, 'no Fargate questions for an EC2 queue');
    assert.equal(asked.length, 9);
    assert.deepEqual(
      asked.map((title) => /^Create Run Configuration \((\d)\/9\)/.exec(title)?.[1]),
      ['1', '2', '3', '4', '5', '6', '7', '8', '9'],
      'each question its own number',
    );
  });

  test('on a Fargate queue the wizard asks for the execution role and public IP, and always for a job role', async () => {
    const asked = new Map<
      string,
      { value?: string; validate?: (text: string) => string | undefined; items?: string[] }
    >();
    const answers: Record<string, unknown> = {
      'run name': 'demo',
      'job queue': 'fargate-queue',
      'execution role': undefined, // the prefilled value
      'public IP': true,
      'job role': 'arn:aws:iam::210987654321:role/batch-job',
      'ECR repository': 'demo',
      'results bucket': 'bucket-1',
      'what to run': 'cluster',
    };
    const prompter: Prompter = {
      async pick<T>(step: { title: string; items: PickItem<T>[] }) {
        const what = step.title.replace(/^.*: /, '');
        asked.set(what, { items: step.items.map((i) => i.label) });
        return step.items.find((i) => i.value === answers[what])?.value;
      },
      async input(step) {
        const what = step.title.replace(/^.*: /, '');
        asked.set(what, { value: step.value, validate: step.validate });
        return (answers[what] as string | undefined) ?? step.value;
      },
    };
    const sources: WizardSources = {
      queues: async () => [
        {
          name: 'fargate-queue',
          arn: 'arn:aws:batch:eu-west-1:210987654321:job-queue/fargate-queue',
          platform: 'FARGATE',
        },
        { name: 'ec2-queue', arn: 'arn:aws:batch:eu-west-1:210987654321:job-queue/ec2-queue', platform: 'EC2' },
      ],
      repositories: async () => [],
      buckets: async () => ['bucket-1'],
      roles: async () => [
        {
          name: 'batch-job',
          arn: 'arn:aws:iam::210987654321:role/batch-job',
          trustedServices: ['ecs-tasks.amazonaws.com'],
        },
      ],
    };
    const written = await runWizard(prompter, sources, 'Demo Folder');
    assert.ok(written);
    const executionRole = asked.get('execution role');
    assert.equal(executionRole?.value, 'arn:aws:iam::210987654321:role/ecsTaskExecutionRole', 'the queue account');
    assert.match(executionRole?.validate?.('') ?? '', /An IAM role ARN/);
    assert.match(executionRole?.validate?.('ecsTaskExecutionRole') ?? '', /An IAM role ARN/);
    assert.deepEqual(asked.get('public IP')?.items, [
      'No (private subnets with a NAT gateway or VPC endpoints)',
      'Yes (public subnets: needed to pull the image without a NAT gateway)',
    ]);
    assert.deepEqual(asked.get('job role')?.items, ['batch-job', 'None', '$(edit) Type a role ARN…']);
    const parsed = parseRunConfig(renderConfig(written), 'Demo Folder');
    assert.deepEqual(parsed.fargate, {
      executionRoleArn: 'arn:aws:iam::210987654321:role/ecsTaskExecutionRole',
      assignPublicIp: true,
      platformVersion: 'LATEST',
    });
    assert.equal(parsed.jobRoleArn, 'arn:aws:iam::210987654321:role/batch-job');
  });

  test('the wizard stops when a question is dismissed, and explains an account without queues', async () => {
    const dismiss: Prompter = { pick: async () => undefined, input: async () => undefined };
    const sources: WizardSources = {
      queues: async () => [],
      repositories: async () => [],
      buckets: async () => [],
      roles: async () => [],
    };
    assert.equal(await runWizard(dismiss, sources, 'x'), undefined);
    const named: Prompter = { pick: async () => undefined, input: async (step) => step.value ?? 'x' };
    await assert.rejects(runWizard(named, sources, 'x'), /no AWS Batch job queues/);
  });

  test('the proposed task command is what the image runs, else a program file of the folder', () => {
    assert.equal(
      proposeTaskCommand({ dockerfile: 'FROM python:3.12\nCOPY . /app\nENTRYPOINT ["/app/run.sh"]\n', files: [] }),
      '/app/run.sh',
    );
    assert.equal(
      proposeTaskCommand({
        dockerfile:
          'FROM node:20 AS build\nCMD ["node", "build.js"]\nFROM python:3.12\nCMD ["python3", "simulate.py"]\n',
        files: [],
      }),
      'python3 simulate.py',
      'the last stage is the image',
    );
    assert.equal(
      proposeTaskCommand({ dockerfile: 'FROM debian\n', files: ['README.md', 'helper.py', 'main.py'] }),
      'python3 main.py',
    );
    assert.equal(proposeTaskCommand({ files: ['src/run.jl'] }), 'julia src/run.jl');
    assert.equal(proposeTaskCommand({ files: [] }), 'echo "task ${index}"');
  });

  test('on a stand-in endpoint the wizard writes the environment its containers need, marked so', async () => {
    const answers: unknown[] = ['demo', 'research-queue', '', 'demo', 'bucket-1', 'tasks', 'python3 main.py', '3', '2'];
    const prompter: Prompter = {
      async pick<T>(step: { items: PickItem<T>[] }) {
        const answer = answers.shift();
        return step.items.find((i) => i.value === answer)?.value;
      },
      async input() {
        return String(answers.shift());
      },
    };
    const sources: WizardSources = {
      queues: async () => [{ name: 'research-queue', state: 'ENABLED', status: 'VALID', priority: 1 }],
      repositories: async () => [],
      buckets: async () => ['bucket-1'],
      roles: async () => [],
    };
    const written = await runWizard(prompter, sources, 'x', {
      standIn: { endpoint: 'http://127.0.0.1:5001', region: 'us-east-1' },
    });
    const text = renderConfig(written!);
    assert.match(text, /\/\/ For the stand-in endpoint only[^\n]*\n {2}"environment": \{/);
    const parsed = parseRunConfig(text, 'x');
    assert.equal(parsed.environment.AWS_ENDPOINT_URL, 'http://127.0.0.1:5001');
    assert.equal(parsed.environment.AWS_ACCESS_KEY_ID, 'testing', 'dummy credentials, never the user’s');
    answers.push('demo', 'research-queue', '', 'demo', 'bucket-1', 'tasks', 'python3 main.py', '3', '2');
    const onAws = await runWizard(prompter, sources, 'x');
    assert.ok(onAws);
    assert.ok(!('environment' in onAws), 'nothing of the kind on AWS');
  });
});
