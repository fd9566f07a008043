// Create Run Configuration offers what the account has (moto's fixture) and writes a file that Submit accepts.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAwsClients, type AwsClients } from '../../src/aws/clients';
import { wizardSources } from '../../src/aws/listings';
import { loadRunConfig } from '../../src/config/loadConfig';
import { PickItem, Prompter, renderConfig, runWizard } from '../../src/config/wizard';
import { fargateProblem } from '../../src/config/fargate';
import {
  BUCKET,
  EXECUTION_ROLE,
  FARGATE_QUEUE,
  QUEUE,
  clients,
  makeWorkspace,
  removeTempDirs,
  requireStandIns,
} from './submitFixture';

suite('Create Run Configuration against moto', () => {
  let aws: AwsClients;

  suiteSetup(async () => {
    requireStandIns();
    aws = await clients();
  });

  suiteTeardown(() => {
    aws?.destroy();
    removeTempDirs();
  });

  test('the quick picks list the live queues, repositories and buckets, and the file loads', async () => {
    const offered = new Map<string, string[]>();
    const picks: Record<string, string> = {
      'job queue': QUEUE,
      'job role': '',
      'ECR repository': 'batch-runner-demo',
      'results bucket': BUCKET,
      'what to run': 'cluster',
    };
    const prompter: Prompter = {
      async pick<T>(step: { title: string; items: PickItem<T>[] }) {
        const what = step.title.replace(/^.*: /, '');
        offered.set(
          what,
          step.items.map((item) => String(item.value)),
        );
        return step.items.find((item) => item.value === (picks[what] as unknown))?.value;
      },
      async input(step) {
        return step.value;
      },
    };
    const dir = makeWorkspace({ Dockerfile: 'FROM local/busybox:latest\n' });
    const config = await runWizard(
      prompter,
      wizardSources(async () => aws),
      'wizard demo',
    );
    assert.ok(config, 'the wizard was not completed');
    assert.ok(
      offered.get('job queue')?.includes('research-queue') && offered.get('job queue')?.includes('priority-queue'),
    );
    assert.ok(offered.get('ECR repository')?.includes('batch-runner-demo'));
    assert.equal(offered.get('ECR repository')?.[0], 'wizard-demo', 'a new repository named after the run comes first');
    assert.ok(offered.get('results bucket')?.includes(BUCKET));
    writeFileSync(join(dir, 'aws-batch.json'), renderConfig(config));
    const loaded = await loadRunConfig(dir);
    assert.equal(loaded.config.name, 'wizard-demo');
    assert.equal(loaded.config.jobQueue, QUEUE);
    assert.equal(loaded.config.repository, 'batch-runner-demo');
    assert.equal(loaded.config.results.bucket, BUCKET);
    assert.deepEqual(loaded.config.cluster, { manager: ['python', 'main.py'], worker: ['python', 'worker.py'] });
    assert.equal(loaded.config.workers, 2);
    assert.equal(loaded.config.fargate, undefined, 'research-queue runs on EC2: no Fargate questions');
    assert.equal(loaded.config.jobRoleArn, undefined, '"None" was picked');
    assert.ok(!offered.has('public IP'));
    // The fixture's roles: the job and execution roles trust ecs-tasks.amazonaws.com, the others do not.
    const roles = offered.get('job role') ?? [];
    assert.equal(roles[0], 'arn:aws:iam::123456789012:role/batch-runner-job-role', 'the job role first');
    assert.ok(roles.includes('arn:aws:iam::123456789012:role/batch-runner-execution-role'));
    assert.ok(!roles.some((arn) => /service-role|instance-role/.test(arn)), `not for containers: ${roles.join(', ')}`);
    assert.deepEqual(roles.slice(-2), ['', '\u0000type an ARN'], 'then None and a typed ARN');
  });

  test('the queues show their platform; on the Fargate queue the execution role and public IP are asked', async () => {
    const queues = await wizardSources(async () => aws).queues();
    const platforms = Object.fromEntries(queues.map((queue) => [queue.name, queue.platform]));
    assert.equal(platforms[QUEUE], 'EC2');
    assert.equal(platforms[FARGATE_QUEUE], 'FARGATE', 'its first compute environment is research-fargate');

    const jobRole = 'arn:aws:iam::123456789012:role/batch-runner-job-role';
    const prefilled = new Map<string, string | undefined>();
    const descriptions = new Map<string, string | undefined>();
    const prompter: Prompter = {
      async pick<T>(step: { title: string; items: PickItem<T>[] }) {
        const what = step.title.replace(/^.*: /, '');
        if (what === 'job queue') step.items.forEach((item) => descriptions.set(item.label, item.description));
        const answer: Record<string, unknown> = {
          'job queue': FARGATE_QUEUE,
          'public IP': false,
          'job role': jobRole,
          'ECR repository': 'batch-runner-demo',
          'results bucket': BUCKET,
          'what to run': 'tasks',
        };
        return step.items.find((item) => item.value === answer[what])?.value;
      },
      async input(step) {
        const what = step.title.replace(/^.*: /, '');
        prefilled.set(what, step.value);
        const answer = what === 'execution role' ? EXECUTION_ROLE : step.value;
        assert.equal(step.validate(answer ?? ''), undefined, `${what}: ${answer}`);
        return answer;
      },
    };
    const config = await runWizard(
      prompter,
      wizardSources(async () => aws),
      'fargate demo',
    );
    assert.ok(config, 'the wizard was not completed');
    assert.match(descriptions.get(FARGATE_QUEUE) ?? '', /^Fargate · ENABLED/);
    assert.equal(
      prefilled.get('execution role'),
      EXECUTION_ROLE,
      "the account's execution role (the fixture's batch-runner-execution-role) is proposed",
    );
    const dir = makeWorkspace({ Dockerfile: 'FROM local/busybox:latest\n', 'aws-batch.json': renderConfig(config) });
    const loaded = await loadRunConfig(dir);
    assert.equal(loaded.config.jobQueue, FARGATE_QUEUE);
    assert.equal(loaded.config.jobRoleArn, jobRole);
    assert.deepEqual(loaded.config.fargate, {
      executionRoleArn: EXECUTION_ROLE,
      assignPublicIp: false,
      platformVersion: 'LATEST',
    });
    const queueArn = queues.find((queue) => queue.name === FARGATE_QUEUE)?.arn;
    assert.equal(fargateProblem(loaded.config, FARGATE_QUEUE, queueArn), undefined, 'Submit would accept it');
  });

  test('ListRoles on moto: every role, with the services its trust policy names', async () => {
    const roles = await aws.iam.listRoles();
    const byName = new Map(roles.map((role) => [role.name, role]));
    assert.deepEqual(byName.get('batch-runner-job-role')?.trustedServices, ['ecs-tasks.amazonaws.com']);
    assert.deepEqual(byName.get('batch-runner-service-role')?.trustedServices, ['batch.amazonaws.com']);
    assert.equal(byName.get('batch-runner-job-role')?.arn, 'arn:aws:iam::123456789012:role/batch-runner-job-role');
  });

  test('when IAM cannot be reached, the job role question says so in one line and takes a typed ARN', async () => {
    // Everything else on moto; IAM on a port nothing listens on (a real connection failure).
    const noIam = await createAwsClients(
      {},
      { ...process.env, AWS_ENDPOINT_URL_IAM: 'http://127.0.0.1:9' },
      { maxAttempts: 1 },
    );
    try {
      const prompts: string[] = [];
      const typed = 'arn:aws:iam::123456789012:role/batch-runner-job-role';
      const prompter: Prompter = {
        async pick<T>(step: { title: string; items: PickItem<T>[] }) {
          assert.ok(!step.title.endsWith(': job role'), 'no pick of roles that could not be listed');
          const first: Record<string, unknown> = { 'job queue': QUEUE, 'results bucket': BUCKET };
          const what = step.title.replace(/^.*: /, '');
          return (step.items.find((item) => item.value === first[what]) ?? step.items[0])?.value;
        },
        async input(step) {
          if (!step.title.endsWith(': job role')) return step.value;
          prompts.push(step.prompt);
          return typed;
        },
      };
      const config = await runWizard(
        prompter,
        wizardSources(async () => noIam),
        'no iam',
      );
      assert.equal(config?.jobRoleArn, typed);
      assert.equal(prompts.length, 1);
      assert.match(prompts[0], /^Could not list the IAM roles \(iam:ListRoles failed: .*\): type the job role ARN/);
      assert.ok(!prompts[0].includes('\n'), prompts[0]);
    } finally {
      noIam.destroy();
    }
  });
});
