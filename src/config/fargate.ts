// What a Fargate job queue asks of aws-batch.json: an execution role and a vCPU/memory combination
// Fargate offers (no GPUs). Pure: the pipeline calls it once it knows the queue's platform, before
// anything is built, and turns a problem into a SubmitError.
import { CONFIG_FILE } from './fileName';
import type { Resources, RunConfig } from './runConfig';

/** Where a job queue runs its jobs: its first compute environment's kind. */
export type QueuePlatform = 'EC2' | 'FARGATE';

function range(from: number, to: number, step: number): number[] {
  return Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
}

/** Memory (MiB) Fargate offers for each vCPU count. */
const FARGATE_MEMORY: ReadonlyMap<number, readonly number[]> = new Map([
  [0.25, [512, 1024, 2048]],
  [0.5, range(1024, 4096, 1024)],
  [1, range(2048, 8192, 1024)],
  [2, range(4096, 16384, 1024)],
  [4, range(8192, 30720, 1024)],
  [8, range(16384, 61440, 4096)],
  [16, range(32768, 122880, 8192)],
]);

export const FARGATE_VCPUS = [...FARGATE_MEMORY.keys()];

/** The memory values Fargate accepts with this many vCPUs; empty when the vCPU count is not one Fargate has. */
export function fargateMemoryFor(vcpus: number): number[] {
  return [...(FARGATE_MEMORY.get(vcpus) ?? [])];
}

function list(values: number[]): string {
  if (values.length <= 8) return `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
  const step = values[1] - values[0];
  return `${values[0]} to ${values[values.length - 1]} in steps of ${step}`;
}

/** A sentence naming the valid values when Fargate cannot run containers of this size, else undefined. */
export function fargateResourceProblem(resources: Resources, queue: string): string | undefined {
  const where = `Job queue "${queue}" runs on Fargate`;
  if (resources.gpus > 0) {
    return `${where}, which has no GPUs. Set "resources.gpus" to 0 in ${CONFIG_FILE}, or use a queue with EC2 compute environments.`;
  }
  const memory = fargateMemoryFor(resources.vcpus);
  const fitting = FARGATE_VCPUS.filter((vcpus) => fargateMemoryFor(vcpus).includes(resources.memory));
  const hint = fitting.length ? ` For ${resources.memory} MiB, "resources.vcpus" can be ${list(fitting)}.` : '';
  if (memory.length === 0) {
    return `${where}, where "resources.vcpus" must be ${list(FARGATE_VCPUS)} (it is ${resources.vcpus}). Change it in ${CONFIG_FILE}.${hint}`;
  }
  if (!memory.includes(resources.memory)) {
    return `${where}, where ${resources.vcpus} vCPU takes "resources.memory" of ${list(memory)} MiB (it is ${resources.memory}). Change it in ${CONFIG_FILE}.${hint}`;
  }
  return undefined;
}

/** The account ID in an ARN ("arn:aws:batch:us-east-1:123456789012:job-queue/q"), if it has one. */
export function accountOf(arn: string | undefined): string | undefined {
  return /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(arn ?? '')?.[1];
}

/** The usual name of the ECS task execution role in this account, as an example or a default. */
export function executionRoleExample(account: string | undefined): string {
  return `arn:aws:iam::${account ?? '<account>'}:role/ecsTaskExecutionRole`;
}

/** What stops a Fargate queue from running this configuration, as one sentence naming the fix. */
export function fargateProblem(config: RunConfig, queue: string, queueArn: string | undefined): string | undefined {
  if (!config.fargate) {
    return (
      `Job queue "${queue}" runs on Fargate, which needs an execution role to pull the image from ECR and write logs. ` +
      `Add "fargate": { "executionRoleArn": "${executionRoleExample(accountOf(queueArn))}" } to ${CONFIG_FILE} ` +
      '(the role needs the AmazonECSTaskExecutionRolePolicy managed policy).'
    );
  }
  return fargateResourceProblem(config.resources, queue);
}
