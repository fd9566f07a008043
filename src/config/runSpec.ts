// run.json, the contract with the bundled runtime (src/runtime/runSpec.ts reads and checks it): the
// Submit command writes it to the run's S3 prefix before the manager job starts.
import { randomBytes } from 'node:crypto';
import type { RunSpec } from '../runtime/runSpec';
import type { RunConfig } from './runConfig';

export type { RunSpec };

/** `<name>-<UTC yyyymmdd-hhmmss>-<6 hex>`: sorts by time, unique, a valid Batch job name and S3 folder. */
export function newRunId(name: string, now = new Date(), random = randomBytes(3).toString('hex')): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace('T', '-')
    .replace(/\.\d+Z$/, '');
  return `${name}-${stamp}-${random}`;
}

/** `s3://bucket/prefix<runId>/` */
export function runUri(config: RunConfig, runId: string): string {
  return `s3://${config.results.bucket}/${config.results.prefix}${runId}/`;
}

export function runKeyPrefix(config: RunConfig, runId: string): string {
  return `${config.results.prefix}${runId}/`;
}

/** Up to this many inputs travel inside run.json; more are read from inputs.jsonl by the manager. */
export const INLINE_INPUTS_MAX = 1000;

export function buildRunSpec(config: RunConfig, runId: string, inputs?: unknown[]): RunSpec {
  const spec: RunSpec = { name: config.name, runId, workers: config.workers };
  if (config.tasks) {
    const { command, count, retries, timeoutSeconds, slotsPerWorker } = config.tasks;
    spec.tasks = { command };
    if (inputs !== undefined && inputs.length > INLINE_INPUTS_MAX) {
      // A large run names the inputs.jsonl that Submit writes beside run.json (by its full URI, so a
      // re-run of its failed tasks, whose run.json is a copy, still finds it); the manager streams it.
      spec.tasks.inputsFile = `${runUri(config, runId)}inputs.jsonl`;
      spec.tasks.count = inputs.length;
    } else if (inputs !== undefined) spec.tasks.inputs = inputs;
    else spec.tasks.count = count;
    if (retries !== undefined) spec.tasks.retries = retries;
    if (timeoutSeconds !== undefined) spec.tasks.timeoutSeconds = timeoutSeconds;
    if (slotsPerWorker !== undefined) spec.tasks.slotsPerWorker = slotsPerWorker;
  }
  if (config.cluster) spec.cluster = { ...config.cluster };
  spec.launchTimeoutSeconds = config.launchTimeoutSeconds;
  if (Object.keys(config.environment).length > 0) spec.environment = { ...config.environment };
  if (config.runtime && Object.keys(config.runtime).length > 0) spec.runtime = { ...config.runtime };
  return spec;
}
