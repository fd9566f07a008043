// The IAM documents of docs/iam cover what the source sends: every SDK command (and paginator) the
// extension imports must have its action in user-policy.json, and every one the runtime (src/runtime,
// which runs in the jobs with the job role) imports must be in manager-job-role-policy.json.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');

interface PolicyDocument {
  Statement: { Effect: string; Action: string | string[]; Principal?: unknown }[];
}

function allowedActions(file: string): Set<string> {
  const policy = JSON.parse(readFileSync(join(root, 'docs/iam', file), 'utf8')) as PolicyDocument;
  const actions = new Set<string>();
  for (const statement of policy.Statement) {
    if (statement.Effect !== 'Allow') continue;
    for (const action of ([] as string[]).concat(statement.Action)) actions.add(action);
  }
  return actions;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true })
    .map(String)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(dir, file));
}

/** IAM service prefix of each SDK client package. */
const SERVICES: Record<string, string> = {
  batch: 'batch',
  ecr: 'ecr',
  s3: 's3',
  'cloudwatch-logs': 'logs',
  cloudformation: 'cloudformation',
  ec2: 'ec2',
  iam: 'iam',
  sts: 'sts',
};

/** Operations whose IAM action is not named like the operation. */
const ACTIONS: Record<string, string[]> = {
  's3:ListObjectsV2': ['s3:ListBucket'],
  's3:ListBuckets': ['s3:ListAllMyBuckets'],
  's3:HeadBucket': ['s3:ListBucket'],
  's3:HeadObject': ['s3:GetObject'],
  's3:DeleteObjects': ['s3:DeleteObject'],
  's3:CreateMultipartUpload': ['s3:PutObject'],
  's3:UploadPart': ['s3:PutObject'],
  's3:CompleteMultipartUpload': ['s3:PutObject'],
  's3:AbortMultipartUpload': ['s3:AbortMultipartUpload'],
  // Jobs and definitions are created with tags, repositories too: that needs TagResource as well.
  'batch:SubmitJob': ['batch:SubmitJob', 'batch:TagResource'],
  'batch:RegisterJobDefinition': ['batch:RegisterJobDefinition', 'batch:TagResource'],
  'ecr:CreateRepository': ['ecr:CreateRepository', 'ecr:TagResource'],
};

/** The IAM actions the SDK commands imported by these files need, with where each is imported. */
function actionsUsed(files: string[]): Map<string, string> {
  const used = new Map<string, string>();
  const importPattern = /import\s+(type\s+)?\{([^}]*)\}\s+from\s+'@aws-sdk\/client-([a-z0-9-]+)'/g;
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const match of text.matchAll(importPattern)) {
      if (match[1]) continue;
      const service = SERVICES[match[3]];
      assert.ok(service, `${file}: add @aws-sdk/client-${match[3]} to SERVICES`);
      for (const raw of match[2].split(',')) {
        const name = raw
          .trim()
          .replace(/^type\s+/, '')
          .split(/\s+as\s+/)[0];
        const operation = /^paginate([A-Z]\w+)$/.exec(name)?.[1] ?? /^([A-Z]\w+)Command$/.exec(name)?.[1];
        if (!operation) continue;
        const key = `${service}:${operation}`;
        for (const action of ACTIONS[key] ?? [key])
          if (!used.has(action)) used.set(action, relative(root, join(root, file)));
      }
    }
  }
  return used;
}

suite('IAM policy documents (docs/iam)', () => {
  const extension = sourceFiles('src').filter((file) => !file.startsWith(join('src', 'runtime')));
  const runtime = sourceFiles('src/runtime');

  test('the scan finds the commands (a guard against a scan that finds nothing)', () => {
    const used = actionsUsed(extension);
    for (const action of [
      'batch:DescribeJobQueues',
      's3:ListAllMyBuckets',
      'ecr:GetAuthorizationToken',
      'logs:GetLogEvents',
    ]) {
      assert.ok(used.has(action), `${action} is found in the source`);
    }
    assert.ok(actionsUsed(runtime).has('batch:SubmitJob'));
  });

  test('user-policy.json allows every action the extension calls', () => {
    const allowed = allowedActions('user-policy.json');
    const missing = [...actionsUsed(extension)].filter(([action]) => !allowed.has(action));
    assert.deepEqual(
      missing.map(([action, file]) => `${action} (${file})`),
      [],
      'add these actions to docs/iam/user-policy.json',
    );
  });

  test('the user policy has the actions the issue named as missing, and those of the push and Set Up', () => {
    const allowed = allowedActions('user-policy.json');
    for (const action of [
      'ecr:TagResource',
      's3:ListAllMyBuckets',
      's3:DeleteObject',
      'ecr:PutImage',
      'ecr:CompleteLayerUpload',
      'iam:PassRole',
      'cloudformation:CreateStack',
      'cloudformation:DeleteStack',
      'cloudformation:DescribeStackEvents',
    ]) {
      assert.ok(allowed.has(action), action);
    }
  });

  test('manager-job-role-policy.json allows every action the runtime calls', () => {
    const allowed = allowedActions('manager-job-role-policy.json');
    const missing = [...actionsUsed(runtime)].filter(([action]) => !allowed.has(action));
    assert.deepEqual(
      missing.map(([action, file]) => `${action} (${file})`),
      [],
      'add these actions to docs/iam/manager-job-role-policy.json',
    );
    for (const action of [
      'batch:DescribeJobs',
      'batch:ListJobs',
      'batch:SubmitJob',
      'batch:TerminateJob',
      'batch:TagResource',
    ]) {
      assert.ok(allowed.has(action), action);
    }
  });

  test('the trust policies let the right services assume the roles', () => {
    const principal = (file: string) =>
      JSON.stringify(
        (JSON.parse(readFileSync(join(root, 'docs/iam', file), 'utf8')) as PolicyDocument).Statement[0].Principal,
      );
    assert.match(principal('job-role-trust-policy.json'), /ecs-tasks\.amazonaws\.com/);
    assert.match(principal('execution-role-trust-policy.json'), /ecs-tasks\.amazonaws\.com/);
    assert.match(principal('instance-role-trust-policy.json'), /ec2\.amazonaws\.com/);
  });
});
