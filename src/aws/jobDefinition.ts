// The job definition of a run configuration: built from aws-batch.json and the pushed image,
// registered only when it differs from the latest ACTIVE revision of the same name.
import type {
  ContainerProperties,
  JobDefinition,
  RegisterJobDefinitionCommandInput,
  ResourceRequirement,
} from '@aws-sdk/client-batch';
import type { BatchApi } from './batchApi';
import type { QueuePlatform } from '../config/fargate';
import type { RunConfig } from '../config/runConfig';
import { awsStep } from '../shared/errors';

/** Batch retries a job only when its host went away (Spot reclaim, instance failure); anything else ends it. */
export const RETRY_STRATEGY = {
  attempts: 3,
  evaluateOnExit: [
    { onStatusReason: 'Host EC2*', action: 'RETRY' },
    { onReason: '*', action: 'EXIT' },
  ],
} as const;

export const TAG_MANAGED = 'batch-runner:managed';
export const TAG_CONFIG = 'batch-runner:config-name';

export interface DefinitionInput {
  config: RunConfig;
  /** host/repository:contentTag */
  image: string;
  /** The container's command (the runtime's manager). */
  command: string[];
  /** The job queue's platform (see queueTarget). */
  platform: QueuePlatform;
}

/** Fargate's settings of the container; the pipeline has checked that config.fargate is there. */
function fargateProperties(config: RunConfig): ContainerProperties {
  const fargate = config.fargate;
  if (!fargate) throw new Error('a Fargate job definition needs the "fargate" section of the configuration');
  return {
    executionRoleArn: fargate.executionRoleArn,
    networkConfiguration: { assignPublicIp: fargate.assignPublicIp ? 'ENABLED' : 'DISABLED' },
    fargatePlatformConfiguration: { platformVersion: fargate.platformVersion },
    // Fargate runs x86-64 unless told otherwise; an arm64 image would not start there.
    ...(config.platform === 'linux/arm64'
      ? { runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'ARM64' } }
      : {}),
  };
}

export function desiredJobDefinition({
  config,
  image,
  command,
  platform,
}: DefinitionInput): RegisterJobDefinitionCommandInput {
  // Batch takes VCPU as text: "0.25", "1".
  const resourceRequirements: ResourceRequirement[] = [
    { type: 'VCPU', value: String(config.resources.vcpus) },
    { type: 'MEMORY', value: String(config.resources.memory) },
  ];
  if (config.resources.gpus > 0) resourceRequirements.push({ type: 'GPU', value: String(config.resources.gpus) });
  const environment = Object.entries(config.environment)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => ({ name, value }));
  return {
    jobDefinitionName: config.name,
    type: 'container',
    platformCapabilities: [platform],
    containerProperties: {
      image,
      command,
      resourceRequirements,
      environment,
      ...(config.jobRoleArn ? { jobRoleArn: config.jobRoleArn } : {}),
      ...(platform === 'FARGATE' ? fargateProperties(config) : {}),
    },
    retryStrategy: {
      attempts: RETRY_STRATEGY.attempts,
      evaluateOnExit: RETRY_STRATEGY.evaluateOnExit.map((rule) => ({ ...rule })),
    },
    ...(config.jobTimeoutSeconds ? { timeout: { attemptDurationSeconds: config.jobTimeoutSeconds } } : {}),
    tags: { [TAG_MANAGED]: 'true', [TAG_CONFIG]: config.name },
    propagateTags: false,
  };
}

type Comparable = Record<string, unknown>;

function sortedBy<T>(items: T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * Fargate's settings with Batch's defaults filled in (DISABLED, LATEST, x86-64); all null on EC2,
 * where a definition of this extension has none of them, so EC2 revisions compare as they always did.
 */
function fargateSpec(definition: JobDefinition | RegisterJobDefinitionCommandInput): Comparable {
  const container = definition.containerProperties ?? {};
  if (!definition.platformCapabilities?.includes('FARGATE')) {
    return { executionRoleArn: null, assignPublicIp: null, platformVersion: null, cpuArchitecture: null };
  }
  return {
    executionRoleArn: container.executionRoleArn ?? null,
    assignPublicIp: container.networkConfiguration?.assignPublicIp ?? 'DISABLED',
    platformVersion: container.fargatePlatformConfiguration?.platformVersion ?? 'LATEST',
    cpuArchitecture: container.runtimePlatform?.cpuArchitecture ?? 'X86_64',
  };
}

/**
 * The parts of a definition this extension sets, normalised so that a described revision and a
 * desired one compare equal when Batch would run them the same way (order of lists, the case of
 * retry actions, defaults Batch fills in, empty environment values Batch drops).
 */
export function comparableSpec(definition: JobDefinition | RegisterJobDefinitionCommandInput): Comparable {
  const container = definition.containerProperties ?? {};
  const tags = Object.fromEntries(
    sortedBy(
      Object.entries(definition.tags ?? {}).filter(([key]) => !key.startsWith('aws:')),
      ([key]) => key,
    ),
  );
  const rules = (definition.retryStrategy?.evaluateOnExit ?? []).map((rule) => ({
    onStatusReason: rule.onStatusReason ?? null,
    onReason: rule.onReason ?? null,
    onExitCode: rule.onExitCode ?? null,
    action: String(rule.action ?? '').toUpperCase(),
  }));
  return {
    type: definition.type ?? 'container',
    platformCapabilities: definition.platformCapabilities?.length
      ? [...definition.platformCapabilities].sort()
      : ['EC2'],
    image: container.image ?? null,
    command: container.command ?? [],
    resourceRequirements: sortedBy(
      (container.resourceRequirements ?? []).map((r) => ({ type: r.type, value: String(r.value) })),
      (r) => String(r.type),
    ),
    environment: sortedBy(
      (container.environment ?? []).filter((e) => e.value !== undefined && e.value !== ''),
      (e) => e.name ?? '',
    ).map((e) => ({ name: e.name, value: e.value })),
    jobRoleArn: container.jobRoleArn ?? null,
    ...fargateSpec(definition),
    retryStrategy: { attempts: definition.retryStrategy?.attempts ?? 1, evaluateOnExit: rules },
    timeout: definition.timeout?.attemptDurationSeconds ?? null,
    tags,
  };
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Comparable)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function sameSpec(
  a: JobDefinition | RegisterJobDefinitionCommandInput,
  b: JobDefinition | RegisterJobDefinitionCommandInput,
): boolean {
  return canonical(comparableSpec(a)) === canonical(comparableSpec(b));
}

/** Names of the fields that differ, for the log ("image, environment"). */
export function changedFields(
  a: JobDefinition | RegisterJobDefinitionCommandInput,
  b: JobDefinition | RegisterJobDefinitionCommandInput,
): string[] {
  const left = comparableSpec(a);
  const right = comparableSpec(b);
  return Object.keys(left).filter((key) => canonical(left[key]) !== canonical(right[key]));
}

export async function latestActiveRevision(
  batch: BatchApi,
  name: string,
  signal?: AbortSignal,
): Promise<JobDefinition | undefined> {
  const revisions = await awsStep('batch:DescribeJobDefinitions', signal, () =>
    batch.describeJobDefinitions({ jobDefinitionName: name, status: 'ACTIVE' }, signal),
  );
  let latest: JobDefinition | undefined;
  for (const definition of revisions) {
    if (definition.status !== 'ACTIVE' || definition.jobDefinitionName !== name) continue;
    if (!latest || (definition.revision ?? 0) > (latest.revision ?? 0)) latest = definition;
  }
  return latest;
}

export interface EnsuredDefinition {
  arn: string;
  name: string;
  revision: number;
  registered: boolean;
  /** What changed, when a new revision was registered over an older one. */
  changed: string[];
}

export async function ensureJobDefinition(
  batch: BatchApi,
  desired: RegisterJobDefinitionCommandInput,
  signal?: AbortSignal,
): Promise<EnsuredDefinition> {
  const name = desired.jobDefinitionName as string;
  const latest = await latestActiveRevision(batch, name, signal);
  if (latest?.jobDefinitionArn && sameSpec(latest, desired)) {
    return { arn: latest.jobDefinitionArn, name, revision: latest.revision ?? 0, registered: false, changed: [] };
  }
  const changed = latest ? changedFields(latest, desired) : [];
  const out = await awsStep('batch:RegisterJobDefinition', signal, () => batch.registerJobDefinition(desired, signal));
  return {
    arn: out.jobDefinitionArn,
    name,
    revision: out.revision ?? 0,
    registered: true,
    changed,
  };
}
