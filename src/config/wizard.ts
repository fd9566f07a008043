// "Create Run Configuration": the questions and the file they produce. The prompts go through a
// plain interface (the command adapts it to quick picks and input boxes; tests script the answers),
// and the choices come from the live account.
import { askJobRole, executionRoleIn, type RoleChoice } from './jobRoleStep';
import { proposeTaskCommand, type WorkspaceFacts } from './proposeCommand';
import { roleArn, type PickItem, type Prompter } from './prompter';
import { QueuePlatform, accountOf, executionRoleExample } from './fargate';
import {
  BUCKET_PATTERN,
  MAX_NAME,
  MAX_TASKS,
  MAX_WORKERS,
  NAME_PATTERN,
  REPOSITORY_PATTERN,
  defaultRepository,
  defaultRunName,
} from './runConfig';

export type { PickItem, Prompter } from './prompter';
export type { RoleChoice } from './jobRoleStep';

export interface QueueChoice {
  name: string;
  arn?: string;
  state?: string;
  status?: string;
  priority?: number;
  /** From the queue's first compute environment; undefined when it could not be read. */
  platform?: QueuePlatform;
}

export interface WizardSources {
  queues(): Promise<QueueChoice[]>;
  repositories(): Promise<string[]>;
  buckets(): Promise<string[]>;
  /** The account's IAM roles (iam:ListRoles); rejects when they cannot be listed. */
  roles(): Promise<RoleChoice[]>;
}

export class WizardError extends Error {}
export type { WorkspaceFacts } from './proposeCommand';

/** Splits a command line into arguments: spaces separate, '...' and "..." group, \ escapes. */
export function splitCommandLine(line: string): string[] {
  const args: string[] = [];
  let current = '';
  let quote: '"' | "'" | undefined;
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) current += line[++i];
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      started = true;
    } else if (c === '\\' && i + 1 < line.length) {
      current += line[++i];
      started = true;
    } else if (/\s/.test(c)) {
      if (started) args.push(current);
      current = '';
      started = false;
    } else {
      current += c;
      started = true;
    }
  }
  if (quote) throw new WizardError(`The command has an unclosed ${quote} quote.`);
  if (started) args.push(current);
  return args;
}

function validateCommand(text: string): string | undefined {
  try {
    return splitCommandLine(text).length === 0 ? 'Type the program and its arguments.' : undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function wholeNumber(min: number, max: number) {
  return (text: string): string | undefined => {
    const value = Number(text.trim());
    return Number.isInteger(value) && value >= min && value <= max
      ? undefined
      : `A whole number from ${min} to ${max}.`;
  };
}

/** The execution role and public IP a Fargate queue needs; undefined when cancelled. */
async function askFargate(
  prompter: Prompter,
  queue: QueueChoice,
  title: (what: string) => string,
  roles: Promise<RoleChoice[]>,
): Promise<{ executionRoleArn: string; assignPublicIp: boolean } | undefined> {
  // An execution role of the account when there is one, else the name the ECS console gives it.
  const proposed = executionRoleIn(await roles.catch(() => []), accountOf(queue.arn));
  const executionRoleArn = await prompter.input({
    title: title('execution role'),
    prompt: `${queue.name} runs on Fargate: the role that pulls the image from ECR and writes the logs (with the AmazonECSTaskExecutionRolePolicy managed policy)`,
    value: proposed ?? executionRoleExample(accountOf(queue.arn)),
    validate: roleArn(false),
  });
  if (executionRoleArn === undefined) return undefined;
  const assignPublicIp = await prompter.pick<boolean>({
    title: title('public IP'),
    placeholder: 'Give each container a public IP?',
    items: [
      { label: 'No (private subnets with a NAT gateway or VPC endpoints)', value: false },
      { label: 'Yes (public subnets: needed to pull the image without a NAT gateway)', value: true },
    ],
  });
  if (assignPublicIp === undefined) return undefined;
  return { executionRoleArn: executionRoleArn.trim(), assignPublicIp };
}

/** What the wizard reads of the workspace and the target, to propose what fits. */
export interface WizardContext {
  workspace?: WorkspaceFacts;
  /**
   * The endpoint the extension talks to when it is not AWS (the stand-ins): the containers need it too,
   * so the wizard writes it (and the stand-in's dummy credentials) into `environment`. Never set on AWS.
   */
  standIn?: { endpoint: string; region: string };
}

/** The variables the stand-in's containers need, which on AWS come from the job role and the ECS agent. */
export function standInEnvironment(standIn: { endpoint: string; region: string }): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: standIn.endpoint,
    AWS_REGION: standIn.region,
    // The stand-in accepts any credentials; these are not anyone's.
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  };
}

/** Asks the questions; resolves with the object to write as aws-batch.json, or undefined when cancelled. */
export async function runWizard(
  prompter: Prompter,
  sources: WizardSources,
  folderName: string,
  context: WizardContext = {},
): Promise<Record<string, unknown> | undefined> {
  // Questions are numbered as they come; a Fargate queue adds two.
  let total = 9;
  let step = 0;
  const next = (what: string) => `Create Run Configuration (${++step}/${total}): ${what}`;
  // Start the account look-ups at once; the first question does not need them.
  const queues = sources.queues();
  const repositories = sources.repositories();
  const buckets = sources.buckets();
  const roles = sources.roles();
  for (const pending of [queues, repositories, buckets, roles]) pending.catch(() => undefined);

  const name = await prompter.input({
    title: next('run name'),
    prompt: 'Names the jobs and the job definition: letters, digits, "-" and "_"',
    value: defaultRunName(folderName),
    validate: (text) =>
      NAME_PATTERN.test(text) && text.length <= MAX_NAME
        ? undefined
        : `1-${MAX_NAME} letters, digits, "-" or "_", starting with a letter or digit.`,
  });
  if (name === undefined) return undefined;

  const queueList = await queues;
  if (queueList.length === 0) {
    throw new WizardError(
      'There are no AWS Batch job queues in this account and region. Create one in the AWS Batch console first, or choose another region.',
    );
  }
  const jobQueue = await prompter.pick({
    title: next('job queue'),
    placeholder: 'The queue the manager and its workers run on',
    items: queueList.map((queue) => ({
      label: queue.name,
      description: [
        queue.platform === 'FARGATE' ? 'Fargate' : queue.platform,
        queue.state,
        queue.status,
        queue.priority !== undefined ? `priority ${queue.priority}` : '',
      ]
        .filter(Boolean)
        .join(' · '),
      value: queue.name,
    })),
  });
  if (jobQueue === undefined) return undefined;
  const queue = queueList.find((choice) => choice.name === jobQueue);
  let fargate: { executionRoleArn: string; assignPublicIp: boolean } | undefined;
  if (queue?.platform === 'FARGATE') {
    total += 2;
    fargate = await askFargate(prompter, queue, next, roles);
    if (!fargate) return undefined;
  }

  const jobRole = await askJobRole(prompter, roles, next('job role'));
  if (jobRole === undefined) return undefined;

  const suggested = defaultRepository(name);
  const existing = await repositories;
  const repositoryItems: PickItem<string>[] = existing.includes(suggested)
    ? []
    : [{ label: `$(add) New repository "${suggested}"`, description: 'created on the first push', value: suggested }];
  repositoryItems.push(
    ...existing.map((repo) => ({
      label: repo,
      description: repo === suggested ? 'matches the run name' : undefined,
      value: repo,
    })),
  );
  const repository = await prompter.pick({
    title: next('ECR repository'),
    placeholder: 'Where the image is pushed',
    items: repositoryItems,
  });
  if (repository === undefined || !REPOSITORY_PATTERN.test(repository)) return undefined;

  const bucketList = await buckets;
  const bucketTitle = next('results bucket');
  const bucket = bucketList.length
    ? await prompter.pick({
        title: bucketTitle,
        placeholder: "S3 bucket for the run's spec, inputs and results",
        items: bucketList.map((b) => ({ label: b, value: b })),
      })
    : await prompter.input({
        title: bucketTitle,
        prompt: 'There are no buckets in this account yet: name the S3 bucket to use (create it before submitting)',
        validate: (text) =>
          BUCKET_PATTERN.test(text) ? undefined : 'An S3 bucket name: 3-63 lower-case letters, digits, "." and "-".',
      });
  if (bucket === undefined) return undefined;

  const mode = await prompter.pick<'tasks' | 'cluster'>({
    title: next('what to run'),
    placeholder: 'How the work is split',
    items: [
      {
        label: 'Tasks',
        description: 'run a command many times',
        detail: 'Each task gets TASK_INDEX (and ${index} in the command); workers take tasks until all are done.',
        value: 'tasks',
      },
      {
        label: 'Cluster',
        description: 'Dask, Ray, MPI, Julia Distributed...',
        detail: "A manager command and a worker command; the manager gets the workers' addresses.",
        value: 'cluster',
      },
    ],
  });
  if (mode === undefined) return undefined;

  const config: Record<string, unknown> = {
    name,
    jobQueue,
    ...(jobRole.trim() ? { jobRoleArn: jobRole.trim() } : {}),
    ...(fargate ? { fargate } : {}),
    repository,
    // A size Fargate offers too.
    resources: { vcpus: 1, memory: 2048 },
  };
  let defaultWorkers = 2;
  if (mode === 'tasks') {
    const command = await prompter.input({
      title: next('task command'),
      prompt:
        'The program each task runs in the image (from your Dockerfile or files). It gets TASK_INDEX (${index} in the command), TASK_INPUT and TASK_OUTPUT_DIR; what it writes to $TASK_OUTPUT_DIR/output.json becomes its row of results.jsonl',
      value: proposeTaskCommand(context.workspace ?? { files: [] }),
      validate: validateCommand,
    });
    if (command === undefined) return undefined;
    const count = await prompter.input({
      title: next('number of tasks'),
      prompt: 'How many tasks',
      value: '10',
      validate: wholeNumber(1, MAX_TASKS),
    });
    if (count === undefined) return undefined;
    config.tasks = { command: splitCommandLine(command), count: Number(count), retries: 1 };
    defaultWorkers = Math.min(Number(count), 4);
  } else {
    const manager = await prompter.input({
      title: next('manager command'),
      prompt: 'Runs on the manager once the workers are up (BATCH_WORKER_HOSTS lists them)',
      value: 'python main.py',
      validate: validateCommand,
    });
    if (manager === undefined) return undefined;
    const worker = await prompter.input({
      title: next('worker command'),
      prompt: 'Runs on every worker (BATCH_MANAGER_HOST is the manager)',
      value: 'python worker.py',
      validate: validateCommand,
    });
    if (worker === undefined) return undefined;
    config.cluster = { manager: splitCommandLine(manager), worker: splitCommandLine(worker) };
  }
  const workers = await prompter.input({
    title: next('workers'),
    prompt: 'How many worker containers',
    value: String(defaultWorkers),
    validate: wholeNumber(1, MAX_WORKERS),
  });
  if (workers === undefined) return undefined;
  config.workers = Number(workers);
  config.results = { bucket, prefix: 'runs/' };
  if (context.standIn) config.environment = standInEnvironment(context.standIn);
  return config;
}

/** The note above a stand-in's `environment` (aws-batch.json is JSON with comments). */
export const STAND_IN_NOTE =
  '// For the stand-in endpoint only: on AWS the job role and the ECS agent give the containers this. Remove it before submitting to AWS.';

export function renderConfig(config: Record<string, unknown>): string {
  const text = `${JSON.stringify(config, null, 2)}\n`;
  if (!config.environment || !('AWS_ENDPOINT_URL' in (config.environment as object))) return text;
  return text.replace(/^( {2})"environment": \{/m, `$1${STAND_IN_NOTE}\n$1"environment": {`);
}
