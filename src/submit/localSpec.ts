// Run Locally, the pure part: from aws-batch.json to the run.json of a local run and the Docker
// specs of its network, manager container and worker containers. No engine, no file system: the
// unit tests check these, src/submit/localRun.ts creates them.
import type Docker from 'dockerode';
import type { RunConfig } from '../config/runConfig';
import { buildRunSpec, type RunSpec } from '../config/runSpec';
import { smokeIndexes, type LocalRunChoices } from './localWorkers';
import { RUNTIME_SCRIPT } from '../docker/runtimeFiles';
import type { RuntimeMount } from '../docker/runtimeMounts';
import { ENV } from '../runtime/settings';
import { ROLE_MANAGER, ROLE_WORKER } from '../runtime/tags';
import { LOCAL_LABELS } from '../shared/run';

export { LOCAL_LABELS } from '../shared/run';

/** Where the run folder is bind-mounted in every container. */
export const CONTAINER_RUN_DIR = '/batch-runner/run';
/** The manager's name on the run's network, and the port it listens on there. */
export const MANAGER_HOST = 'manager';
export const MANAGER_PORT = 7878;
/** What AWS_BATCH_JQ_NAME and AWS_BATCH_CE_NAME say in a local run. */
export const LOCAL_QUEUE = 'local';

export type LocalRole = typeof ROLE_MANAGER | typeof ROLE_WORKER;
/** Who wrote a log line: the extension itself (build, containers), the manager or a worker. */
export type LocalLogSource = 'setup' | 'manager' | `worker ${number}`;

export { localWorkerCount, smokeIndexes, taskCount, type LocalRunChoices } from './localWorkers';

/** run.json of a local run: as Submit writes it, with the local worker count and the smoke run's indexes. */
export function localRunSpec(
  config: RunConfig,
  runId: string,
  inputs: unknown[] | undefined,
  workers: number,
  smoke?: number,
  rerun?: LocalRunChoices['rerun'],
): RunSpec {
  const spec = buildRunSpec(config, runId, inputs);
  spec.workers = workers;
  const indexes = rerun ? [...new Set(rerun.indexes)].sort((a, b) => a - b) : smokeIndexes(config, inputs, smoke);
  if (spec.tasks && indexes) spec.tasks.indexes = indexes;
  if (rerun) spec.parentRunId = rerun.parentRunId;
  return spec;
}

export function networkName(runId: string): string {
  return `batch-runner-${runId}`;
}

export function containerName(runId: string, role: LocalRole, index?: number): string {
  return role === ROLE_MANAGER ? `batch-runner-${runId}-manager` : `batch-runner-${runId}-worker-${index}`;
}

/** The Batch job ids a local run's containers see: the manager's, and `<workers>:<i>` for array children. */
export function localJobId(runId: string, index?: number): string {
  return index === undefined ? `local-${runId}` : `local-${runId}-workers:${index}`;
}

export interface EngineFacts {
  /** CPUs the engine may give a container (docker info NCPU). */
  cpus: number;
  /** True when the engine has a GPU runtime (nvidia). */
  gpus: boolean;
}

export interface ContainerSpecInput {
  config: RunConfig;
  runId: string;
  /** The run folder on this machine (bind-mounted). */
  runDir: string;
  image: string;
  /** How the image starts the runtime ("node" or /opt/batch-runner/node). */
  node: string;
  /** False: the image's ENTRYPOINT does not run the command it is given, and the containers drop it. */
  keepEntrypoint: boolean;
  /** The runtime's files, bind-mounted read-only (runtimeMounts.ts). */
  runtimeMounts: RuntimeMount[];
  workers: number;
  engine: EngineFacts;
  /** "uid:gid" to run as (Linux, not root), so the run's files are the user's. */
  user?: string;
  /** Extra environment for every container (runtime tunables in tests). */
  environment?: Record<string, string>;
}

export interface LocalContainerSpecs {
  network: Docker.NetworkCreateOptions;
  manager: Docker.ContainerCreateOptions;
  workers: Docker.ContainerCreateOptions[];
  /** Lines for the log about how the resources were applied (GPUs ignored, CPUs capped). */
  notes: string[];
}

function envList(env: Record<string, string>): string[] {
  return Object.entries(env).map(([name, value]) => `${name}=${value}`);
}

/** Docker limits from aws-batch.json's resources, capped to what this engine has. */
export function resourceLimits(config: RunConfig, engine: EngineFacts): { host: Docker.HostConfig; notes: string[] } {
  const { vcpus, memory, gpus } = config.resources;
  const notes: string[] = [];
  const cpus = Math.min(vcpus, engine.cpus);
  if (cpus < vcpus)
    notes.push(`Each container gets ${cpus} CPUs here (resources.vcpus is ${vcpus}; this engine has ${engine.cpus}).`);
  const host: Docker.HostConfig = { NanoCpus: Math.round(cpus * 1e9), Memory: memory * 1024 * 1024 };
  if (gpus > 0) {
    if (engine.gpus) host.DeviceRequests = [{ Driver: 'nvidia', Count: gpus, Capabilities: [['gpu']] }];
    else notes.push(`resources.gpus (${gpus}) is ignored locally: this Docker engine has no GPU runtime.`);
  }
  return { host, notes };
}

/** The network, manager and worker containers of a local run, as dockerode create options. */
export function localContainerSpecs(input: ContainerSpecInput): LocalContainerSpecs {
  const { config, runId, runDir, image, node, workers } = input;
  const network = networkName(runId);
  const labels = (role: LocalRole, index?: number): Record<string, string> => ({
    [LOCAL_LABELS.runId]: runId,
    [LOCAL_LABELS.role]: role,
    [LOCAL_LABELS.runDir]: runDir,
    ...(index === undefined ? {} : { [LOCAL_LABELS.workerIndex]: String(index) }),
  });
  const { host: limits, notes } = resourceLimits(config, input.engine);
  // What every job of the run gets in Batch: the job definition's environment, Batch's variables.
  const common = (index?: number): Record<string, string> => ({
    ...config.environment,
    ...input.environment,
    AWS_BATCH_JOB_ID: localJobId(runId, index),
    AWS_BATCH_JOB_ATTEMPT: '1',
    AWS_BATCH_JQ_NAME: LOCAL_QUEUE,
    AWS_BATCH_CE_NAME: LOCAL_QUEUE,
    ...(index === undefined ? {} : { AWS_BATCH_JOB_ARRAY_INDEX: String(index) }),
    [ENV.runUri]: CONTAINER_RUN_DIR,
    ...(input.user ? { HOME: '/tmp' } : {}),
  });
  const container = (
    role: LocalRole,
    cmd: string[],
    env: Record<string, string>,
    index?: number,
  ): Docker.ContainerCreateOptions => ({
    name: containerName(runId, role, index),
    Image: image,
    // The image's ENTRYPOINT (conda, tini, a venv wrapper) wraps the runtime here too, as on Batch,
    // which only overrides the command; one that does not run its command is dropped ([""]: none).
    ...(input.keepEntrypoint ? {} : { Entrypoint: [''] }),
    Cmd: cmd,
    Env: envList(env),
    Labels: labels(role, index),
    ...(input.user ? { User: input.user } : {}),
    Tty: false,
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: {
      ...limits,
      // Mounts, not "host:container" bind strings: a folder name may contain a colon.
      Mounts: [
        { Type: 'bind', Source: runDir, Target: CONTAINER_RUN_DIR },
        ...input.runtimeMounts.map((m) => ({
          Type: 'bind' as const,
          Source: m.source,
          Target: m.target,
          ReadOnly: true,
        })),
      ],
      NetworkMode: network,
      // tini as PID 1: signals reach the runtime, orphaned task processes are reaped.
      Init: true,
    },
    NetworkingConfig: {
      EndpointsConfig: { [network]: role === ROLE_MANAGER ? { Aliases: [MANAGER_HOST] } : {} },
    },
  });
  const manager = container(ROLE_MANAGER, [node, RUNTIME_SCRIPT, 'manager', '--launcher', 'none'], {
    ...common(),
    // The workers reach the manager by its name on the run's network, at a fixed port: each
    // container has a network of its own, so no port of this machine is taken.
    [ENV.port]: String(MANAGER_PORT),
    [ENV.advertise]: MANAGER_HOST,
    [ENV.bind]: '0.0.0.0',
  });
  const workerSpecs = Array.from({ length: workers }, (_, index) =>
    container(
      ROLE_WORKER,
      [node, RUNTIME_SCRIPT, 'worker', '--manager', `${MANAGER_HOST}:${MANAGER_PORT}`, '--index', String(index)],
      common(index),
      index,
    ),
  );
  return {
    network: {
      Name: network,
      Driver: 'bridge',
      CheckDuplicate: true,
      Labels: { [LOCAL_LABELS.runId]: runId, [LOCAL_LABELS.runDir]: runDir },
    },
    manager,
    workers: workerSpecs,
    notes,
  };
}
