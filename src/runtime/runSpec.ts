// run.json: the run's spec, written by the extension's Submit command (or by hand for `local`)
// into the run store before the manager starts. The Submit command imports these types.

/** Task mode: run `command` once per task, `count` times or once per element of `inputs`. */
export interface TaskSpec {
  /** argv of each task; `${index}` in any element is replaced by the task index (0-based). */
  command: string[];
  /** Number of tasks (give this or `inputs`). */
  count?: number;
  /** One task per element; each element is written to the file named by TASK_INPUT. */
  inputs?: unknown[];
  /**
   * One task per non-empty line of this JSON Lines file, read by the manager as a stream (large
   * runs): a key of the run store (such as "inputs.jsonl") or a URI / absolute path of its own.
   * `count`, when given, is its number of inputs (else the manager counts them).
   */
  inputsFile?: string;
  /** Extra attempts after a failed one (default 0). */
  retries?: number;
  /** Per-attempt time limit; the attempt is killed and counts as failed (default: none). */
  timeoutSeconds?: number;
  /** Tasks one worker runs at the same time (default 1). */
  slotsPerWorker?: number;
  /** Run only these task indexes (of count or inputs), each with its own TASK_INDEX (Re-run Failed Tasks). */
  indexes?: number[];
}

/** Cluster mode: a framework with its own cluster manager (Dask, Ray, MPI, Julia Distributed). */
export interface ClusterSpec {
  /** Runs on the manager once enough workers are up, with BATCH_WORKER_HOSTS and BATCH_WORKER_COUNT. */
  manager: string[];
  /** Runs on every worker, with BATCH_MANAGER_HOST, BATCH_WORKER_HOST and BATCH_WORKER_INDEX. */
  worker: string[];
  /** Workers that must be up before the manager command starts (default: all of `workers`). */
  minWorkers?: number;
  /** The port each worker command listens on: BATCH_WORKER_PORT in its environment (and in BATCH_WORKER_ADDRESSES). */
  workerPort?: number;
  /**
   * When a worker counts as ready (the manager command starts once every one is): "port" when
   * BATCH_WORKER_PORT accepts connections (the default when workerPort is set), "file" when the
   * command has created the file named by BATCH_WORKER_READY_FILE, "spawned" as soon as it started
   * (the default otherwise).
   */
  ready?: 'port' | 'file' | 'spawned';
}

/** run.json's `runtime`: the runtime's tunables (aws-batch.json's "runtime"); an environment variable of the same setting wins. */
export interface RuntimeSpec {
  /** BATCH_RUNNER_MANAGER_TIMEOUT_SECONDS */
  managerTimeoutSeconds?: number;
  /** BATCH_RUNNER_HEARTBEAT_SECONDS */
  heartbeatSeconds?: number;
  /** BATCH_RUNNER_KILL_GRACE_SECONDS */
  killGraceSeconds?: number;
  /** BATCH_RUNNER_HANDSHAKE_SECONDS */
  handshakeSeconds?: number;
  /** BATCH_RUNNER_PORT: the manager's port (0 or absent: any free one). */
  port?: number;
}

export interface WorkerRange {
  min: number;
  max: number;
}

export interface RunSpec {
  /** Run name, the prefix of job names. */
  name: string;
  /** Unique ID of the run; the last element of the store location. */
  runId: string;
  tasks?: TaskSpec;
  cluster?: ClusterSpec;
  /** Worker count: a number (task mode: up to that many, at least 1; cluster mode: exactly that many) or a range. */
  workers: number | WorkerRange;
  /** Seconds, counted from the first worker reaching RUNNING, for the minimum number of workers to connect (default 900). */
  launchTimeoutSeconds?: number;
  /** Extra environment for tasks and cluster commands. */
  environment?: Record<string, string>;
  /** The run this one re-runs the failed tasks of (Re-run Failed Tasks). */
  parentRunId?: string;
  /** The runtime's tunables for this run. */
  runtime?: RuntimeSpec;
}

export const DEFAULT_LAUNCH_TIMEOUT_SECONDS = 900;
/** Array jobs have at most 10,000 children. */
export const MAX_WORKERS = 10_000;
export const MAX_TASKS = 1_000_000;

export class RunSpecError extends Error {}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function fail(message: string): never {
  throw new RunSpecError(`run.json: ${message}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function int(value: unknown, path: string, min: number, max: number): number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    fail(`${path} must be a whole number from ${min} to ${max}`);
  }
  return value as number;
}

function command(value: unknown, path: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((s) => typeof s === 'string') || value[0] === '') {
    fail(`${path} must be a non-empty array of strings (the program and its arguments)`);
  }
  return value as string[];
}

function allowOnly(value: Record<string, unknown>, path: string, keys: string[]): void {
  for (const key of Object.keys(value)) if (!keys.includes(key)) fail(`${path}${key} is not a known setting`);
}

/** Checks a parsed run.json and returns it typed; throws RunSpecError naming the first problem. */
export function parseRunSpec(value: unknown): RunSpec {
  if (!isObject(value)) fail('must be a JSON object');
  allowOnly(value, '', [
    'name',
    'runId',
    'tasks',
    'cluster',
    'workers',
    'launchTimeoutSeconds',
    'environment',
    'parentRunId',
    'runtime',
  ]);
  if (typeof value.name !== 'string' || !NAME.test(value.name)) {
    fail('name must be 1-128 letters, digits, hyphens or underscores (a Batch job name)');
  }
  if (typeof value.runId !== 'string' || !RUN_ID.test(value.runId)) {
    fail('runId must be 1-128 letters, digits, dots, hyphens or underscores');
  }
  if ((value.tasks === undefined) === (value.cluster === undefined)) fail('give exactly one of "tasks" or "cluster"');

  const spec: RunSpec = { name: value.name, runId: value.runId, workers: 1 };
  if (value.tasks !== undefined) spec.tasks = parseTasks(value.tasks);
  if (value.cluster !== undefined) spec.cluster = parseCluster(value.cluster);

  if (typeof value.workers === 'number') {
    spec.workers = int(value.workers, 'workers', 1, MAX_WORKERS);
  } else if (isObject(value.workers)) {
    allowOnly(value.workers, 'workers.', ['min', 'max']);
    const max = int(value.workers.max, 'workers.max', 1, MAX_WORKERS);
    const min = int(value.workers.min ?? 1, 'workers.min', 1, max);
    spec.workers = { min, max };
  } else {
    fail('workers must be a number or { "min": n, "max": n }');
  }
  if (spec.cluster?.minWorkers !== undefined && spec.cluster.minWorkers > workerRange(spec).max) {
    fail('cluster.minWorkers is more than the number of workers');
  }
  if (value.parentRunId !== undefined) {
    if (typeof value.parentRunId !== 'string' || !RUN_ID.test(value.parentRunId)) fail('parentRunId must be a run id');
    spec.parentRunId = value.parentRunId;
  }
  if (value.runtime !== undefined) spec.runtime = parseRuntime(value.runtime);
  if (value.launchTimeoutSeconds !== undefined) {
    spec.launchTimeoutSeconds = int(value.launchTimeoutSeconds, 'launchTimeoutSeconds', 1, 7 * 24 * 3600);
  }
  if (value.environment !== undefined) {
    const env = value.environment;
    if (!isObject(env) || !Object.values(env).every((v) => typeof v === 'string')) {
      fail('environment must map names to strings');
    }
    for (const key of Object.keys(env))
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) fail(`environment: "${key}" is not a variable name`);
    spec.environment = env as Record<string, string>;
  }
  return spec;
}

function parseTasks(value: unknown): TaskSpec {
  if (!isObject(value)) fail('tasks must be an object');
  allowOnly(value, 'tasks.', [
    'command',
    'count',
    'inputs',
    'inputsFile',
    'retries',
    'timeoutSeconds',
    'slotsPerWorker',
    'indexes',
  ]);
  const tasks: TaskSpec = { command: command(value.command, 'tasks.command') };
  if (value.inputsFile !== undefined) {
    if (value.inputs !== undefined) fail('tasks needs "inputs" or "inputsFile", not both');
    if (typeof value.inputsFile !== 'string' || value.inputsFile === '' || value.inputsFile.length > 2048)
      fail('tasks.inputsFile must be a store key such as "inputs.jsonl", or a URI');
    tasks.inputsFile = value.inputsFile;
  } else if ((value.count === undefined) === (value.inputs === undefined))
    fail('tasks needs exactly one of "count" or "inputs"');
  if (value.count !== undefined) tasks.count = int(value.count, 'tasks.count', 1, MAX_TASKS);
  if (value.inputs !== undefined) {
    if (!Array.isArray(value.inputs) || value.inputs.length === 0 || value.inputs.length > MAX_TASKS) {
      fail(`tasks.inputs must be an array of 1 to ${MAX_TASKS} elements`);
    }
    // An input travels in one protocol frame with its task.
    value.inputs.forEach((input, i) => {
      if (Buffer.byteLength(JSON.stringify(input) ?? 'null') > 512 * 1024) {
        fail(`tasks.inputs[${i}] is over 512 KiB; put large inputs in S3 and pass their keys`);
      }
    });
    tasks.inputs = value.inputs;
  }
  if (value.retries !== undefined) tasks.retries = int(value.retries, 'tasks.retries', 0, 100);
  if (value.timeoutSeconds !== undefined) {
    tasks.timeoutSeconds = int(value.timeoutSeconds, 'tasks.timeoutSeconds', 1, 14 * 24 * 3600);
  }
  if (value.slotsPerWorker !== undefined)
    tasks.slotsPerWorker = int(value.slotsPerWorker, 'tasks.slotsPerWorker', 1, 1024);
  if (value.indexes !== undefined)
    tasks.indexes = parseIndexes(value.indexes, tasks.inputsFile && !tasks.count ? MAX_TASKS : taskCount(tasks));
  return tasks;
}

/** tasks.indexes: distinct task indexes of count/inputs, in increasing order. */
function parseIndexes(value: unknown, count: number): number[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_TASKS) {
    fail(`tasks.indexes must be an array of 1 to ${MAX_TASKS} task indexes`);
  }
  let previous = -1;
  value.forEach((index, i) => {
    int(index, `tasks.indexes[${i}]`, 0, count - 1);
    if ((index as number) <= previous) fail('tasks.indexes must be distinct and in increasing order');
    previous = index as number;
  });
  return value as number[];
}

const RUNTIME_LIMITS = {
  managerTimeoutSeconds: 86_400,
  heartbeatSeconds: 3600,
  killGraceSeconds: 3600,
  handshakeSeconds: 3600,
};

/** run.json's `runtime` section (also read on its own by workers, see readRuntimeSpec). */
export function parseRuntime(value: unknown): RuntimeSpec {
  if (!isObject(value)) fail('runtime must be an object');
  allowOnly(value, 'runtime.', [...Object.keys(RUNTIME_LIMITS), 'port']);
  const runtime: RuntimeSpec = {};
  for (const [key, max] of Object.entries(RUNTIME_LIMITS) as [keyof typeof RUNTIME_LIMITS, number][]) {
    const v = value[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > max) {
      fail(`runtime.${key} must be a number of seconds above 0 and at most ${max}`);
    }
    runtime[key] = v;
  }
  if (value.port !== undefined) runtime.port = int(value.port, 'runtime.port', 0, 65535);
  return runtime;
}

function parseCluster(value: unknown): ClusterSpec {
  if (!isObject(value)) fail('cluster must be an object');
  allowOnly(value, 'cluster.', ['manager', 'worker', 'minWorkers', 'workerPort', 'ready']);
  const cluster: ClusterSpec = {
    manager: command(value.manager, 'cluster.manager'),
    worker: command(value.worker, 'cluster.worker'),
  };
  if (value.minWorkers !== undefined) cluster.minWorkers = int(value.minWorkers, 'cluster.minWorkers', 1, MAX_WORKERS);
  if (value.workerPort !== undefined) cluster.workerPort = int(value.workerPort, 'cluster.workerPort', 1, 65535);
  if (value.ready !== undefined) {
    if (value.ready !== 'port' && value.ready !== 'file' && value.ready !== 'spawned')
      fail('cluster.ready must be "port", "file" or "spawned"');
    if (value.ready === 'port' && cluster.workerPort === undefined)
      fail('cluster.ready "port" needs cluster.workerPort');
    cluster.ready = value.ready;
  }
  return cluster;
}

/**
 * How many workers to launch (max) and how many must connect (min). A plain number means "up to
 * n, at least 1" for tasks (any worker makes progress) and "exactly n" for a cluster.
 */
export function workerRange(spec: RunSpec): WorkerRange {
  const range =
    typeof spec.workers === 'number' ? { min: spec.tasks ? 1 : spec.workers, max: spec.workers } : spec.workers;
  if (spec.cluster?.minWorkers !== undefined) return { min: spec.cluster.minWorkers, max: range.max };
  return range;
}

export function taskCount(tasks: TaskSpec): number {
  return tasks.inputs?.length ?? tasks.count ?? 0;
}

/** The argv of task `index`: `${index}` replaced in every element. */
export function taskCommand(tasks: TaskSpec, index: number): string[] {
  return tasks.command.map((arg) => arg.split('${index}').join(String(index)));
}
