// aws-batch.json: parse (JSON with comments), validate with messages that name the field and the fix,
// and fill in defaults. Pure: no file system, no vscode. The JSON schema beside this file
// (aws-batch.schema.json) gives the editor completion and diagnostics; a unit test keeps the two in step.
import { UserError } from '../shared/errors';
import { ParseError, findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode } from 'jsonc-parser';
import { CONFIG_FILE } from './fileName';

export { CONFIG_FILE };

export const PLATFORMS = ['linux/amd64', 'linux/arm64'] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface Resources {
  /** vCPUs of each container (manager and workers). */
  vcpus: number;
  /** MiB of memory of each container. */
  memory: number;
  gpus: number;
}

export interface WorkerRange {
  min: number;
  max: number;
}

export interface TasksConfig {
  command: string[];
  count?: number;
  inputs?: unknown[];
  /** Path (relative to the workspace folder) of a JSON Lines file, one input per line, or a JSON array. */
  inputsFile?: string;
  retries?: number;
  timeoutSeconds?: number;
  slotsPerWorker?: number;
}

/** How a job runs when its queue is Fargate; ignored on EC2 queues. */
export interface FargateConfig {
  /** The role ECS uses to pull the image and write the logs (not the job role). */
  executionRoleArn: string;
  assignPublicIp: boolean;
  platformVersion: string;
}

/** Tunables of the bundled runtime (run.json's `runtime`); unset ones keep the runtime's defaults. */
export interface RuntimeConfig {
  managerTimeoutSeconds?: number;
  heartbeatSeconds?: number;
  killGraceSeconds?: number;
  handshakeSeconds?: number;
  /** The port the manager listens on (open it in the security group); default: any free port. */
  port?: number;
}

export interface ClusterConfig {
  manager: string[];
  worker: string[];
  minWorkers?: number;
  /** The port each worker's command listens on (BATCH_WORKER_PORT); open it between the workers. */
  workerPort?: number;
  /** When a worker counts as ready: its port accepts ("port"), it wrote its ready file ("file"), or it started. */
  ready?: ClusterReady;
}

export type ClusterReady = 'port' | 'file' | 'spawned';

export interface BuildSecret {
  id: string;
  src?: string;
  env?: string;
}

/** aws-batch.json with every default filled in. */
export interface RunConfig {
  name: string;
  dockerfile: string;
  context: string;
  platform: Platform;
  buildArgs: Record<string, string>;
  /** The Dockerfile stage to build (docker build --target). */
  target?: string;
  /** Images whose layers may answer the build's steps (docker build --cache-from). */
  cacheFrom: string[];
  /** Build secrets (RUN --mount=type=secret,id=ID): a file (relative to aws-batch.json) or a variable. */
  secrets: BuildSecret[];
  repository: string;
  jobQueue: string;
  jobRoleArn?: string;
  fargate?: FargateConfig;
  resources: Resources;
  workers: number | WorkerRange;
  launchTimeoutSeconds: number;
  jobTimeoutSeconds?: number;
  results: { bucket: string; prefix: string };
  environment: Record<string, string>;
  tasks?: TasksConfig;
  cluster?: ClusterConfig;
  runtime?: RuntimeConfig;
}

export const DEFAULTS = {
  dockerfile: 'Dockerfile',
  context: '.',
  platform: 'linux/amd64' as Platform,
  resources: { vcpus: 1, memory: 2048, gpus: 0 },
  workers: 1,
  launchTimeoutSeconds: 900,
  resultsPrefix: 'runs/',
  fargate: { assignPublicIp: false, platformVersion: 'LATEST' },
};

/** The keys each object of the file may have; the schema test compares these with the JSON schema. */
export const KNOWN_KEYS = {
  '': [
    '$schema',
    'name',
    'dockerfile',
    'context',
    'platform',
    'buildArgs',
    'target',
    'cacheFrom',
    'secrets',
    'repository',
    'jobQueue',
    'jobRoleArn',
    'fargate',
    'resources',
    'workers',
    'launchTimeoutSeconds',
    'jobTimeoutSeconds',
    'results',
    'environment',
    'tasks',
    'cluster',
    'runtime',
  ],
  fargate: ['executionRoleArn', 'assignPublicIp', 'platformVersion'],
  resources: ['vcpus', 'memory', 'gpus'],
  workers: ['min', 'max'],
  results: ['bucket', 'prefix'],
  tasks: ['command', 'count', 'inputs', 'inputsFile', 'retries', 'timeoutSeconds', 'slotsPerWorker'],
  cluster: ['manager', 'worker', 'minWorkers', 'workerPort', 'ready'],
  runtime: ['managerTimeoutSeconds', 'heartbeatSeconds', 'killGraceSeconds', 'handshakeSeconds', 'port'],
} as const;

export const MAX_WORKERS = 10_000;
export const MAX_TASKS = 1_000_000;
/** Leaves room in the 128-character job name for the run id and the runtime's "-workers" suffix. */
export const MAX_NAME = 64;

export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
export const REPOSITORY_PATTERN = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
export const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const QUEUE_PATTERN =
  /^([A-Za-z0-9][A-Za-z0-9_-]{0,127}|arn:aws[a-z-]*:batch:[a-z0-9-]+:\d{12}:job-queue\/[A-Za-z0-9_-]{1,128})$/;
export const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const PLATFORM_VERSION_PATTERN = /^(LATEST|\d+\.\d+\.\d+)$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Set by AWS Batch or by the extension itself; a value in aws-batch.json would be overwritten or clash. */
const RESERVED_ENV = /^(AWS_BATCH_|BATCH_RUNNER_)/;
/** The runtime's tunables: set in the "runtime" section, not as environment variables. */
const RUNTIME_ENV: Record<string, string> = {
  BATCH_RUNNER_MANAGER_TIMEOUT_SECONDS: 'managerTimeoutSeconds',
  BATCH_RUNNER_HEARTBEAT_SECONDS: 'heartbeatSeconds',
  BATCH_RUNNER_KILL_GRACE_SECONDS: 'killGraceSeconds',
  BATCH_RUNNER_HANDSHAKE_SECONDS: 'handshakeSeconds',
  BATCH_RUNNER_PORT: 'port',
};

/** A problem in aws-batch.json, with the dotted field it concerns and its 1-based line when known. */
/** A mistake in aws-batch.json, with the line it is on when known. */
export class ConfigError extends UserError {
  override name = 'ConfigError';
  constructor(
    readonly problem: string,
    readonly field?: string,
    line?: number,
  ) {
    super(`${CONFIG_FILE}${line ? ` line ${line}` : ''}: ${problem}`, 'config', [], line);
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The known key a misspelt one most likely meant, if any is close. */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const exact = known.find((candidate) => candidate.toLowerCase() === lower);
  if (exact) return exact;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 4)) + 1;
  for (const candidate of known) {
    const d = distance(lower, candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** Default run name from the workspace folder's name: letters, digits, "-" and "_" only. */
export function defaultRunName(folderName: string): string {
  const cleaned = folderName
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, MAX_NAME);
  return cleaned || 'batch-run';
}

/** An ECR repository name derived from a run name: lower case, single separators. */
export function defaultRepository(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return cleaned.length >= 2 ? cleaned : `${cleaned || 'batch'}-runner`;
}

class Checker {
  private tree: ReturnType<typeof parseTree>;

  constructor(private readonly text: string) {
    const errors: ParseError[] = [];
    this.tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
    if (errors.length > 0) {
      const first = errors[0];
      throw new ConfigError(
        `the file is not valid JSON (${printParseErrorCode(first.error)}). Fix the syntax at this line.`,
        undefined,
        lineOf(text, first.offset),
      );
    }
  }

  root(): Json {
    const value = this.tree ? (getNodeValue(this.tree) as unknown) : undefined;
    if (!isObject(value)) {
      throw new ConfigError(
        'the file must hold one JSON object, like { "jobQueue": "...", "results": { "bucket": "..." }, "tasks": { ... } }.',
      );
    }
    return value;
  }

  fail(field: string, problem: string): never {
    // A missing top-level setting has no line of its own.
    const path = field.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part));
    const node = this.tree && field !== '' ? findNodeAtLocation(this.tree, path) : undefined;
    const line = node
      ? lineOf(this.text, node.parent?.type === 'property' ? node.parent.offset : node.offset)
      : undefined;
    throw new ConfigError(problem, field || undefined, line);
  }

  onlyKnown(value: Json, field: keyof typeof KNOWN_KEYS): void {
    const known = KNOWN_KEYS[field];
    for (const key of Object.keys(value)) {
      if ((known as readonly string[]).includes(key)) continue;
      const path = field ? `${field}.${key}` : key;
      const suggestion = suggestKey(key, known);
      this.fail(
        path,
        suggestion
          ? `"${path}" is not a setting of ${CONFIG_FILE}. Did you mean "${field ? `${field}.` : ''}${suggestion}"?`
          : `"${path}" is not a setting of ${CONFIG_FILE}. Remove it; the settings are: ${known.filter((k) => k !== '$schema').join(', ')}.`,
      );
    }
  }

  string(value: unknown, field: string, example: string): string {
    if (typeof value !== 'string' || value.trim() === '') {
      this.fail(field, `"${field}" must be a non-empty string, such as "${example}"${given(value)}.`);
    }
    return value;
  }

  integer(value: unknown, field: string, min: number, max: number, unit: string): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(field, `"${field}" must be a whole number of ${unit} from ${min} to ${max}${given(value)}.`);
    }
    return value;
  }

  command(value: unknown, field: string, example: string): string[] {
    if (!Array.isArray(value) || value.length === 0 || !value.every((part) => typeof part === 'string')) {
      this.fail(
        field,
        `"${field}" must be the program and its arguments as an array of strings, such as ${example}${given(value)}.`,
      );
    }
    if (value[0] === '') this.fail(field, `"${field}" starts with an empty program name; put the program first.`);
    return value as string[];
  }

  stringMap(value: unknown, field: string, checkName?: (name: string) => void): Record<string, string> {
    if (!isObject(value))
      this.fail(field, `"${field}" must be an object of names to strings, such as { "SEED": "42" }.`);
    for (const [key, item] of Object.entries(value)) {
      checkName?.(key);
      if (typeof item !== 'string') {
        this.fail(
          `${field}.${key}`,
          `"${field}.${key}" must be a string; write ${JSON.stringify(String(item))} with quotes${given(item)}.`,
        );
      }
    }
    return value as Record<string, string>;
  }
}

function given(value: unknown): string {
  return value === undefined ? '' : ` (it is ${describe(value)})`;
}

/**
 * Parses and validates the text of aws-batch.json.
 * @param defaultName the run name when the file has none (the workspace folder's name, see defaultRunName)
 * @throws ConfigError naming the first problem, its field and line, and the fix
 */
export function parseRunConfig(text: string, defaultName: string): RunConfig {
  const check: Checker = new Checker(text);
  const raw = check.root();
  check.onlyKnown(raw, '');

  const name = raw.name === undefined ? defaultRunName(defaultName) : check.string(raw.name, 'name', 'monte-carlo');
  if (!NAME_PATTERN.test(name) || name.length > MAX_NAME) {
    check.fail(
      'name',
      `"name" must be 1-${MAX_NAME} letters, digits, "-" or "_", starting with a letter or digit (it names the jobs and the job definition)${given(name)}.`,
    );
  }

  const dockerfile =
    raw.dockerfile === undefined ? DEFAULTS.dockerfile : check.string(raw.dockerfile, 'dockerfile', 'Dockerfile');
  const context = raw.context === undefined ? DEFAULTS.context : check.string(raw.context, 'context', '.');

  let platform = DEFAULTS.platform;
  if (raw.platform !== undefined) {
    if (!PLATFORMS.includes(raw.platform as Platform)) {
      check.fail(
        'platform',
        `"platform" must be "linux/amd64" (x86-64 instances) or "linux/arm64" (Graviton)${given(raw.platform)}.`,
      );
    }
    platform = raw.platform as Platform;
  }
  const buildArgs = raw.buildArgs === undefined ? {} : check.stringMap(raw.buildArgs, 'buildArgs');
  const target = raw.target === undefined ? undefined : check.string(raw.target, 'target', 'runtime');
  let cacheFrom: string[] = [];
  if (raw.cacheFrom !== undefined) {
    if (!Array.isArray(raw.cacheFrom) || !raw.cacheFrom.every((ref) => typeof ref === 'string' && ref.trim() !== '')) {
      check.fail(
        'cacheFrom',
        `"cacheFrom" must be an array of image names, such as ["ghcr.io/org/app:cache"]${given(raw.cacheFrom)}.`,
      );
    }
    cacheFrom = raw.cacheFrom as string[];
  }
  const secrets: BuildSecret[] = [];
  if (raw.secrets !== undefined) {
    if (!Array.isArray(raw.secrets)) {
      check.fail(
        'secrets',
        `"secrets" must be an array such as [{ "id": "npmrc", "src": ".npmrc" }, { "id": "token", "env": "API_TOKEN" }]${given(raw.secrets)}.`,
      );
    }
    raw.secrets.forEach((item: unknown, i: number) => {
      const field = `secrets.${i}`;
      if (!isObject(item))
        check.fail(field, `"${field}" must be an object such as { "id": "token", "env": "API_TOKEN" }${given(item)}.`);
      const entry = item as Record<string, unknown>;
      for (const key of Object.keys(entry)) {
        if (!['id', 'src', 'env'].includes(key))
          check.fail(
            `${field}.${key}`,
            `"${field}.${key}" is not a setting of a build secret: give "id" and "src" (a file) or "env" (a variable).`,
          );
      }
      const id = check.string(entry.id, `${field}.id`, 'token');
      if (!/^[A-Za-z0-9._-]+$/.test(id) || secrets.some((other) => other.id === id)) {
        check.fail(
          `${field}.id`,
          `"${field}.id" must be a unique name of letters, digits, ".", "_" or "-" (the id in RUN --mount=type=secret,id=...)${given(id)}.`,
        );
      }
      if ((entry.src === undefined) === (entry.env === undefined)) {
        check.fail(
          field,
          `The build secret "${id}" needs either "src" (a file, relative to ${CONFIG_FILE}) or "env" (an environment variable), not ${entry.src === undefined ? 'neither' : 'both'}.`,
        );
      }
      secrets.push(
        entry.src !== undefined
          ? { id, src: check.string(entry.src, `${field}.src`, '.npmrc') }
          : { id, env: check.string(entry.env, `${field}.env`, 'API_TOKEN') },
      );
    });
  }

  const repository =
    raw.repository === undefined ? defaultRepository(name) : check.string(raw.repository, 'repository', 'monte-carlo');
  if (!REPOSITORY_PATTERN.test(repository) || repository.length < 2 || repository.length > 256) {
    check.fail(
      'repository',
      `"repository" must be an ECR repository name: 2-256 lower-case letters, digits and single ".", "_", "-" or "/" between them, such as "${defaultRepository(name)}"${given(repository)}.`,
    );
  }

  if (raw.jobQueue === undefined) {
    check.fail(
      '',
      '"jobQueue" is missing. Set it to the name of an AWS Batch job queue, or run "AWS Batch: Create Run Configuration" to pick one.',
    );
  }
  const jobQueue = check.string(raw.jobQueue, 'jobQueue', 'research-queue');
  if (!QUEUE_PATTERN.test(jobQueue)) {
    check.fail('jobQueue', `"jobQueue" must be a job queue name or ARN${given(jobQueue)}.`);
  }

  const jobRoleArn =
    raw.jobRoleArn === undefined
      ? undefined
      : parseRoleArn(check, raw.jobRoleArn, 'jobRoleArn', 'arn:aws:iam::123456789012:role/batch-job-role');

  const fargate = raw.fargate === undefined ? undefined : parseFargate(check, raw.fargate);

  const resources = { ...DEFAULTS.resources };
  if (raw.resources !== undefined) {
    if (!isObject(raw.resources)) {
      check.fail('resources', '"resources" must be an object such as { "vcpus": 1, "memory": 2048 }.');
    }
    check.onlyKnown(raw.resources, 'resources');
    const r = raw.resources;
    if (r.vcpus !== undefined) {
      if (typeof r.vcpus !== 'number' || r.vcpus < 0.25 || r.vcpus > 256 || Math.round(r.vcpus * 4) !== r.vcpus * 4) {
        check.fail(
          'resources.vcpus',
          `"resources.vcpus" must be a number of vCPUs from 0.25 to 256 in steps of 0.25, such as 1${given(r.vcpus)}.`,
        );
      }
      resources.vcpus = r.vcpus;
    }
    if (r.memory !== undefined) {
      resources.memory = check.integer(r.memory, 'resources.memory', 4, 4_000_000, 'MiB (2048 is 2 GiB)');
    }
    if (r.gpus !== undefined) resources.gpus = check.integer(r.gpus, 'resources.gpus', 0, 64, 'GPUs');
  }

  let workers: number | WorkerRange = DEFAULTS.workers;
  if (raw.workers !== undefined) {
    if (typeof raw.workers === 'number') {
      workers = check.integer(raw.workers, 'workers', 1, MAX_WORKERS, 'workers');
    } else if (isObject(raw.workers)) {
      check.onlyKnown(raw.workers, 'workers');
      const max = check.integer(raw.workers.max, 'workers.max', 1, MAX_WORKERS, 'workers');
      const min = raw.workers.min === undefined ? 1 : check.integer(raw.workers.min, 'workers.min', 1, max, 'workers');
      workers = { min, max };
    } else {
      check.fail('workers', `"workers" must be a number such as 8, or { "min": 2, "max": 8 }${given(raw.workers)}.`);
    }
  }

  const launchTimeoutSeconds =
    raw.launchTimeoutSeconds === undefined
      ? DEFAULTS.launchTimeoutSeconds
      : check.integer(raw.launchTimeoutSeconds, 'launchTimeoutSeconds', 1, 7 * 24 * 3600, 'seconds');
  const jobTimeoutSeconds =
    raw.jobTimeoutSeconds === undefined
      ? undefined
      : check.integer(
          raw.jobTimeoutSeconds,
          'jobTimeoutSeconds',
          60,
          14 * 24 * 3600,
          'seconds (AWS Batch minimum: 60)',
        );

  if (raw.results === undefined) {
    check.fail('', '"results" is missing. Add { "results": { "bucket": "<an S3 bucket for the run\'s files>" } }.');
  }
  if (!isObject(raw.results)) {
    check.fail('results', '"results" must be an object such as { "bucket": "my-results", "prefix": "runs/" }.');
  }
  check.onlyKnown(raw.results, 'results');
  if (raw.results.bucket === undefined) {
    check.fail('results', '"results.bucket" is missing. Name the S3 bucket that receives the run\'s files.');
  }
  const bucket = check.string(raw.results.bucket, 'results.bucket', 'my-results');
  if (!BUCKET_PATTERN.test(bucket)) {
    check.fail(
      'results.bucket',
      `"results.bucket" must be an S3 bucket name (3-63 lower-case letters, digits, "." and "-"), not a URL or path${given(bucket)}.`,
    );
  }
  let prefix = DEFAULTS.resultsPrefix;
  if (raw.results.prefix !== undefined) {
    if (typeof raw.results.prefix !== 'string') {
      check.fail('results.prefix', `"results.prefix" must be a string such as "runs/"${given(raw.results.prefix)}.`);
    }
    prefix = raw.results.prefix.replace(/^\/+/, '');
    if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
    if (prefix.split('/').some((part) => part === '..' || part === '.')) {
      check.fail('results.prefix', '"results.prefix" must not contain "." or ".." folders.');
    }
  }

  const environment =
    raw.environment === undefined
      ? {}
      : check.stringMap(raw.environment, 'environment', (key) => {
          if (!ENV_NAME.test(key)) {
            check.fail(
              `environment.${key}`,
              `"environment.${key}": "${key}" is not a variable name; use letters, digits and "_", not starting with a digit.`,
            );
          }
          if (RUNTIME_ENV[key]) {
            check.fail(
              `environment.${key}`,
              `"environment.${key}": the runtime's settings go in the "runtime" section: write "runtime": { "${RUNTIME_ENV[key]}": ${/PORT$/.test(key) ? 7777 : 60} } instead.`,
            );
          }
          if (RESERVED_ENV.test(key)) {
            check.fail(
              `environment.${key}`,
              `"environment.${key}": names starting with AWS_BATCH_ or BATCH_RUNNER_ are set by AWS Batch and the runner; rename it.`,
            );
          }
        });

  if ((raw.tasks === undefined) === (raw.cluster === undefined)) {
    check.fail(
      raw.tasks === undefined ? '' : 'cluster',
      raw.tasks === undefined
        ? 'Say what to run: add "tasks" ({ "command": [...], "count": 10 }) to run a command many times, or "cluster" ({ "manager": [...], "worker": [...] }) for a framework with its own cluster manager.'
        : 'Give "tasks" or "cluster", not both. Remove one of them.',
    );
  }

  const config: RunConfig = {
    name,
    dockerfile,
    context,
    platform,
    buildArgs,
    ...(target ? { target } : {}),
    cacheFrom,
    secrets,
    repository,
    jobQueue,
    jobRoleArn,
    ...(fargate ? { fargate } : {}),
    resources,
    workers,
    launchTimeoutSeconds,
    jobTimeoutSeconds,
    results: { bucket, prefix },
    environment,
  };
  if (raw.tasks !== undefined) config.tasks = parseTasks(check, raw.tasks);
  if (raw.cluster !== undefined) config.cluster = parseCluster(check, raw.cluster);
  if (raw.runtime !== undefined) config.runtime = parseRuntime(check, raw.runtime);
  if (config.cluster?.minWorkers !== undefined) {
    const max = typeof workers === 'number' ? workers : workers.max;
    if (config.cluster.minWorkers > max) {
      check.fail(
        'cluster.minWorkers',
        `"cluster.minWorkers" (${config.cluster.minWorkers}) is more than "workers" (${max}); lower it or raise "workers".`,
      );
    }
  }
  return config;
}

/** An IAM role ARN at `field`; `example` shows the expected form in the message. */
function parseRoleArn(check: Checker, value: unknown, field: string, example: string): string {
  const arn = check.string(value, field, example);
  if (!ROLE_ARN_PATTERN.test(arn)) {
    check.fail(field, `"${field}" must be an IAM role ARN, such as "${example}"${given(arn)}.`);
  }
  return arn;
}

function parseFargate(check: Checker, value: unknown): FargateConfig {
  const example = '{ "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole" }';
  if (!isObject(value)) check.fail('fargate', `"fargate" must be an object such as ${example}${given(value)}.`);
  check.onlyKnown(value, 'fargate');
  if (value.executionRoleArn === undefined) {
    check.fail(
      'fargate',
      '"fargate.executionRoleArn" is missing: the role Fargate uses to pull the image and write the logs, such as "arn:aws:iam::123456789012:role/ecsTaskExecutionRole".',
    );
  }
  const executionRoleArn = parseRoleArn(
    check,
    value.executionRoleArn,
    'fargate.executionRoleArn',
    'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
  );
  let assignPublicIp = DEFAULTS.fargate.assignPublicIp;
  if (value.assignPublicIp !== undefined) {
    if (typeof value.assignPublicIp !== 'boolean') {
      check.fail(
        'fargate.assignPublicIp',
        `"fargate.assignPublicIp" must be true (public subnets without a NAT gateway) or false${given(value.assignPublicIp)}.`,
      );
    }
    assignPublicIp = value.assignPublicIp;
  }
  let platformVersion = DEFAULTS.fargate.platformVersion;
  if (value.platformVersion !== undefined) {
    platformVersion = check.string(value.platformVersion, 'fargate.platformVersion', 'LATEST');
    if (!PLATFORM_VERSION_PATTERN.test(platformVersion)) {
      check.fail(
        'fargate.platformVersion',
        `"fargate.platformVersion" must be "LATEST" or a Fargate platform version such as "1.4.0"${given(platformVersion)}.`,
      );
    }
  }
  return { executionRoleArn, assignPublicIp, platformVersion };
}

function parseTasks(check: Checker, value: unknown): TasksConfig {
  if (!isObject(value)) {
    check.fail(
      'tasks',
      '"tasks" must be an object such as { "command": ["python", "run.py", "${index}"], "count": 10 }.',
    );
  }
  check.onlyKnown(value, 'tasks');
  if (value.command === undefined) {
    check.fail(
      'tasks',
      '"tasks.command" is missing: the program each task runs, such as ["python", "run.py", "${index}"].',
    );
  }
  const tasks: TasksConfig = {
    command: check.command(value.command, 'tasks.command', '["python", "run.py", "${index}"]'),
  };
  const sources = ['count', 'inputs', 'inputsFile'].filter((key) => value[key] !== undefined);
  if (sources.length !== 1) {
    check.fail(
      'tasks',
      sources.length === 0
        ? '"tasks" needs how many tasks to run: "count" (a number), "inputs" (an array, one task each) or "inputsFile" (a JSON Lines file).'
        : `"tasks" has ${sources.map((s) => `"${s}"`).join(' and ')}; keep only one of them.`,
    );
  }
  if (value.count !== undefined) tasks.count = check.integer(value.count, 'tasks.count', 1, MAX_TASKS, 'tasks');
  if (value.inputs !== undefined) {
    if (!Array.isArray(value.inputs) || value.inputs.length === 0 || value.inputs.length > MAX_TASKS) {
      check.fail('tasks.inputs', `"tasks.inputs" must be an array of 1 to ${MAX_TASKS} inputs, one per task.`);
    }
    tasks.inputs = value.inputs;
  }
  if (value.inputsFile !== undefined)
    tasks.inputsFile = check.string(value.inputsFile, 'tasks.inputsFile', 'inputs.jsonl');
  if (value.retries !== undefined) tasks.retries = check.integer(value.retries, 'tasks.retries', 0, 100, 'retries');
  if (value.timeoutSeconds !== undefined) {
    tasks.timeoutSeconds = check.integer(value.timeoutSeconds, 'tasks.timeoutSeconds', 1, 14 * 24 * 3600, 'seconds');
  }
  if (value.slotsPerWorker !== undefined) {
    tasks.slotsPerWorker = check.integer(value.slotsPerWorker, 'tasks.slotsPerWorker', 1, 1024, 'tasks');
  }
  return tasks;
}

function parseRuntime(check: Checker, value: unknown): RuntimeConfig {
  if (!isObject(value)) {
    check.fail('runtime', '"runtime" must be an object such as { "heartbeatSeconds": 5, "port": 7777 }.');
  }
  check.onlyKnown(value, 'runtime');
  const runtime: RuntimeConfig = {};
  const limits = {
    managerTimeoutSeconds: 86_400,
    heartbeatSeconds: 3600,
    killGraceSeconds: 3600,
    handshakeSeconds: 3600,
  };
  for (const [key, max] of Object.entries(limits) as [keyof typeof limits, number][]) {
    if (value[key] !== undefined) runtime[key] = check.integer(value[key], `runtime.${key}`, 1, max, 'seconds');
  }
  if (value.port !== undefined) {
    if (typeof value.port !== 'number' || !Number.isInteger(value.port) || value.port < 1 || value.port > 65535) {
      check.fail('runtime.port', `"runtime.port" must be a port number from 1 to 65535${given(value.port)}.`);
    }
    runtime.port = value.port;
  }
  return runtime;
}

function parseCluster(check: Checker, value: unknown): ClusterConfig {
  if (!isObject(value)) {
    check.fail(
      'cluster',
      '"cluster" must be an object such as { "manager": ["python", "main.py"], "worker": ["dask-worker"] }.',
    );
  }
  check.onlyKnown(value, 'cluster');
  for (const key of ['manager', 'worker']) {
    if (value[key] === undefined) {
      check.fail('cluster', `"cluster.${key}" is missing: the command the ${key} runs, as an array of strings.`);
    }
  }
  const cluster: ClusterConfig = {
    manager: check.command(value.manager, 'cluster.manager', '["python", "main.py"]'),
    worker: check.command(value.worker, 'cluster.worker', '["dask-worker", "$BATCH_MANAGER_HOST:8786"]'),
  };
  if (value.minWorkers !== undefined) {
    cluster.minWorkers = check.integer(value.minWorkers, 'cluster.minWorkers', 1, MAX_WORKERS, 'workers');
  }
  if (value.workerPort !== undefined) {
    const port = value.workerPort;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      check.fail(
        'cluster.workerPort',
        `"cluster.workerPort" must be a port number from 1 to 65535${given(port)}: the port each worker's command listens on.`,
      );
    }
    cluster.workerPort = port;
  }
  if (value.ready !== undefined) {
    if (value.ready !== 'port' && value.ready !== 'file' && value.ready !== 'spawned') {
      check.fail(
        'cluster.ready',
        `"cluster.ready" must be "port" (the worker's port accepts connections), "file" (the worker command writes $BATCH_WORKER_READY_FILE) or "spawned" (it started)${given(value.ready)}.`,
      );
    }
    if (value.ready === 'port' && cluster.workerPort === undefined) {
      check.fail(
        'cluster.ready',
        '"cluster.ready": "port" needs "cluster.workerPort", the port to wait for; add it, or use "file".',
      );
    }
    cluster.ready = value.ready;
  }
  return cluster;
}

/** Parses the text of a tasks.inputsFile: JSON Lines (one value per non-empty line) or one JSON array. */
export function parseInputsFile(text: string, fileName: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === '')
    throw new ConfigError(
      `"tasks.inputsFile" (${fileName}) is empty; put one JSON value per line.`,
      'tasks.inputsFile',
    );
  if (trimmed.startsWith('[') && !fileName.endsWith('.jsonl')) {
    try {
      const parsed = JSON.parse(trimmed) as unknown;
      if (Array.isArray(parsed) && parsed.length > 0) return parsed;
    } catch {
      // fall through to line-by-line parsing, which names the bad line
    }
  }
  const inputs: unknown[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      inputs.push(JSON.parse(line) as unknown);
    } catch {
      throw new ConfigError(
        `"tasks.inputsFile" (${fileName}) line ${i + 1} is not JSON. Put one JSON value (object, string, number) on each line.`,
        'tasks.inputsFile',
      );
    }
  });
  if (inputs.length > MAX_TASKS) {
    throw new ConfigError(`"tasks.inputsFile" (${fileName}) has ${inputs.length} inputs; the most is ${MAX_TASKS}.`);
  }
  return inputs;
}
