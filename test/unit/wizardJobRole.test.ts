// The wizard's job role step: roles ECS tasks may assume, offered from iam:ListRoles (all pages), with
// "None" and a typed ARN; when the roles cannot be listed, one line says so and the ARN is typed.
import * as assert from 'node:assert/strict';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { createIamApi } from '../../src/aws/sdkIamApi';
import { trustedServices } from '../../src/aws/trustPolicy';
import { AwsStepError } from '../../src/shared/errors';
import { PickItem, Prompter, RoleChoice, WizardSources, runWizard } from '../../src/config/wizard';

const ECS = ['ecs-tasks.amazonaws.com'];

function trust(service: string | string[], extra: object = {}): string {
  return encodeURIComponent(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole', ...extra }],
    }),
  );
}

interface Asked {
  title: string;
  placeholder?: string;
  prompt?: string;
  items?: PickItem<unknown>[];
}

/** Answers every question with its default (the first item, the prefilled value), except the job role. */
function scripted(jobRole: (step: Asked) => unknown, typed?: string) {
  const asked: Asked[] = [];
  const prompter: Prompter = {
    async pick<T>(step: { title: string; placeholder: string; items: PickItem<T>[] }) {
      asked.push(step as Asked);
      if (step.title.endsWith(': job role')) {
        const answer = jobRole(step as Asked);
        return step.items.find((item) => item.value === answer)?.value;
      }
      return step.items[0]?.value;
    },
    async input(step) {
      asked.push(step);
      if (step.title.endsWith(': job role')) {
        assert.equal(step.validate(typed ?? ''), undefined, `typed ${typed}`);
        return typed;
      }
      return step.value ?? 'x';
    },
  };
  return { asked, prompter };
}

function sources(roles: () => Promise<RoleChoice[]>): WizardSources {
  return {
    queues: async () => [{ name: 'research-queue', platform: 'EC2' }],
    repositories: async () => [],
    buckets: async () => ['bucket-1'],
    roles,
  };
}

const ROLES: RoleChoice[] = [
  { name: 'lambda-role', arn: 'arn:aws:iam::111122223333:role/lambda-role', trustedServices: ['lambda.amazonaws.com'] },
  { name: 'ecsTaskExecutionRole', arn: 'arn:aws:iam::111122223333:role/ecsTaskExecutionRole', trustedServices: ECS },
  { name: 'analysis', arn: 'arn:aws:iam::111122223333:role/analysis', trustedServices: ECS },
  {
    name: 'batch-runner-job-role',
    arn: 'arn:aws:iam::111122223333:role/batch-runner-job-role',
    description: 'made by Set Up',
    trustedServices: ECS,
  },
];

suite('wizard: job role', () => {
  test('offers the roles ECS tasks may assume, job roles first, then None and a typed ARN', async () => {
    const { asked, prompter } = scripted((step) => step.items?.[0]?.value);
    const config = await runWizard(
      prompter,
      sources(async () => ROLES),
      'demo',
    );
    const step = asked.find((s) => s.title.endsWith(': job role'));
    assert.ok(step?.items, 'the job role is a pick');
    assert.deepEqual(
      step.items.map((item) => item.label),
      ['batch-runner-job-role', 'analysis', 'ecsTaskExecutionRole', 'None', '$(edit) Type a role ARN…'],
      'lambda-role cannot be assumed by a container; the execution role comes last',
    );
    assert.match(step.placeholder ?? '', /^The role the containers run as: the manager needs Batch and S3 on its run/);
    assert.equal(step.items[0].detail, 'arn:aws:iam::111122223333:role/batch-runner-job-role');
    assert.equal(step.items[2].description, 'looks like an execution role');
    assert.equal(
      config?.jobRoleArn,
      'arn:aws:iam::111122223333:role/batch-runner-job-role',
      'the default is the job role',
    );
  });

  test('"None" writes no jobRoleArn; "Type a role ARN" asks for one', async () => {
    const none = scripted(() => '');
    const withoutRole = await runWizard(
      none.prompter,
      sources(async () => ROLES),
      'demo',
    );
    assert.ok(withoutRole);
    assert.ok(!('jobRoleArn' in withoutRole));

    const typedArn = 'arn:aws:iam::444455556666:role/shared-job';
    const typed = scripted((step) => step.items?.at(-1)?.value, typedArn);
    const withTyped = await runWizard(
      typed.prompter,
      sources(async () => ROLES),
      'demo',
    );
    assert.equal(withTyped?.jobRoleArn, typedArn);
    const titles = typed.asked.map((s) => s.title).filter((title) => title.endsWith(': job role'));
    assert.equal(titles.length, 2, 'the pick, then the input box');
    assert.equal(titles[0], titles[1], 'the same step: the counter does not move');
  });

  test('when ListRoles is denied, one line says so and the ARN is typed (empty: none)', async () => {
    const denied = new AwsStepError(
      'iam:ListRoles',
      new Error('User: arn:aws:iam::1:user/me is not authorized to perform: iam:ListRoles\non resource: *'),
    );
    const { asked, prompter } = scripted(() => assert.fail('no pick when the roles are unknown'), '');
    const config = await runWizard(
      prompter,
      sources(() => Promise.reject(denied)),
      'demo',
    );
    assert.ok(config);
    assert.ok(!('jobRoleArn' in config));
    const step = asked.find((s) => s.title.endsWith(': job role'));
    assert.ok(step?.prompt);
    assert.match(
      step.prompt,
      /^Could not list the IAM roles \(iam:ListRoles failed: .*not authorized.*\): type the job role ARN/,
    );
    assert.ok(!step.prompt.includes('\n'), 'one line');
  });

  test('with no role that ECS tasks may assume, the placeholder says so and None comes first', async () => {
    const { asked, prompter } = scripted((step) => step.items?.[0]?.value);
    const config = await runWizard(
      prompter,
      sources(async () => [ROLES[0]]),
      'demo',
    );
    assert.ok(config && !('jobRoleArn' in config));
    const step = asked.find((s) => s.title.endsWith(': job role'));
    assert.match(step?.placeholder ?? '', /^No role here trusts ecs-tasks\.amazonaws\.com\./);
    assert.deepEqual(
      step?.items?.map((item) => item.label),
      ['None', '$(edit) Type a role ARN…'],
    );
  });
});

suite('wizard: execution role', () => {
  test("on a Fargate queue the account's execution role is proposed, else ecsTaskExecutionRole", async () => {
    const fargate = (roles: () => Promise<RoleChoice[]>): WizardSources => ({
      ...sources(roles),
      queues: async () => [
        { name: 'spot', arn: 'arn:aws:batch:us-east-1:111122223333:job-queue/spot', platform: 'FARGATE' },
      ],
    });
    const proposed = async (roles: () => Promise<RoleChoice[]>) => {
      const { asked, prompter } = scripted((step) => step.items?.[0]?.value, '');
      const config = await runWizard(prompter, fargate(roles), 'demo');
      assert.ok(config?.fargate);
      return asked.find((s) => s.title.endsWith(': execution role')) as { value?: string };
    };
    assert.equal((await proposed(async () => ROLES)).value, 'arn:aws:iam::111122223333:role/ecsTaskExecutionRole');
    const other = [{ ...ROLES[1], name: 'my-execution-role', arn: 'arn:aws:iam::111122223333:role/my-execution-role' }];
    assert.equal((await proposed(async () => other)).value, 'arn:aws:iam::111122223333:role/my-execution-role');
    const elsewhere = [{ ...other[0], arn: 'arn:aws:iam::999999999999:role/my-execution-role' }];
    assert.equal(
      (await proposed(async () => elsewhere)).value,
      'arn:aws:iam::111122223333:role/ecsTaskExecutionRole',
      "only a role of the queue's account",
    );
    assert.equal(
      (await proposed(() => Promise.reject(new Error('denied')))).value,
      'arn:aws:iam::111122223333:role/ecsTaskExecutionRole',
    );
  });
});

suite('IAM trust policies and ListRoles', () => {
  test('the services a trust policy lets assume the role', () => {
    assert.deepEqual(trustedServices(trust('ecs-tasks.amazonaws.com')), ECS, 'URL-encoded, as ListRoles returns it');
    assert.deepEqual(trustedServices(decodeURIComponent(trust(['ecs-tasks.amazonaws.com', 'batch.amazonaws.com']))), [
      'batch.amazonaws.com',
      'ecs-tasks.amazonaws.com',
    ]);
    assert.deepEqual(trustedServices(trust('ecs-tasks.amazonaws.com', { Effect: 'Deny' })), []);
    assert.deepEqual(trustedServices(trust('ecs-tasks.amazonaws.com', { Action: 'sts:TagSession' })), []);
    assert.deepEqual(
      trustedServices(trust('ecs-tasks.amazonaws.com', { Action: ['sts:TagSession', 'sts:AssumeRole'] })),
      ECS,
    );
    const federated = JSON.stringify({
      Statement: {
        Effect: 'Allow',
        Principal: { Federated: 'cognito-identity.amazonaws.com' },
        Action: 'sts:AssumeRoleWithWebIdentity',
      },
    });
    assert.deepEqual(trustedServices(federated), []);
    assert.deepEqual(trustedServices('%7Bnot json'), []);
    assert.deepEqual(trustedServices(undefined), []);
  });

  test('ListRoles follows Marker with 1,000 per page and reads each trust policy', async () => {
    const client = new IAMClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const sent: ListRolesCommand['input'][] = [];
    const pages = [
      {
        Roles: [
          { RoleName: 'a', Arn: 'arn:aws:iam::1:role/a', AssumeRolePolicyDocument: trust('ecs-tasks.amazonaws.com') },
        ],
        IsTruncated: true,
        Marker: 'm1',
      },
      {
        Roles: [
          {
            RoleName: 'b',
            Arn: 'arn:aws:iam::1:role/b',
            Description: 'B',
            AssumeRolePolicyDocument: trust('ec2.amazonaws.com'),
          },
        ],
        IsTruncated: false,
      },
    ];
    client.send = (async (command: ListRolesCommand) => {
      sent.push({ ...command.input });
      return pages[sent.length - 1];
    }) as IAMClient['send'];
    const roles = await createIamApi(client).listRoles();
    assert.deepEqual(roles, [
      { name: 'a', arn: 'arn:aws:iam::1:role/a', trustedServices: ECS },
      { name: 'b', arn: 'arn:aws:iam::1:role/b', description: 'B', trustedServices: ['ec2.amazonaws.com'] },
    ]);
    assert.deepEqual(
      sent.map((input) => [input.MaxItems, input.Marker]),
      [
        [1000, undefined],
        [1000, 'm1'],
      ],
    );
  });

  test('a failed ListRoles names the IAM action', async () => {
    const client = new IAMClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    client.send = (async () => {
      throw Object.assign(new Error('not authorized'), { name: 'AccessDenied' });
    }) as IAMClient['send'];
    await assert.rejects(createIamApi(client).listRoles(), (error: Error) => {
      assert.ok(error instanceof AwsStepError);
      assert.equal(error.action, 'iam:ListRoles');
      return true;
    });
  });
});
