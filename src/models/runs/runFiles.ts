// Reading the files of a run folder as they come from S3 or disk: run.json (the spec Submit wrote),
// progress.json and summary.json (written by the runtime, shapes in src/runtime/runFiles.ts).
// They may be missing, truncated, from another tool or another version: every parser returns either
// the fields the Runs view uses or a reason in words. No vscode import.
import type { TaskCounts } from '../../runtime/runFiles';
import type { RunSpec } from '../../runtime/runSpec';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Task counts as the runtime writes them (missing fields read as 0). */
export type TaskCountsView = TaskCounts;

export interface FailedTask {
  index: number;
  attempts: number;
  exitCode: number | null | undefined;
  reason: string;
  /** The last lines the task printed in its last attempt. */
  tail: string[];
}

export interface UsageView {
  managerSeconds: number;
  workerSeconds: number;
  vcpus?: number;
  gpus?: number;
}

export interface ProgressView {
  runId: string;
  state: 'running' | 'succeeded' | 'failed' | 'cancelled';
  seq: number | undefined;
  startedAt: number | undefined;
  updatedAt: number | undefined;
  managerJobId: string | undefined;
  workerJobId: string | undefined;
  tasks: TaskCountsView | undefined;
  workers: { requested: number; connected: number; running: number | undefined } | undefined;
  failures: FailedTask[];
  usage: UsageView | undefined;
  exitCode: number | undefined;
}

export interface SummaryView {
  runId: string;
  mode: 'tasks' | 'cluster' | undefined;
  status: 'succeeded' | 'failed' | 'cancelled';
  exitCode: number | undefined;
  reason: string | undefined;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  tasks: TaskCountsView | undefined;
  failures: FailedTask[];
  usage: UsageView | undefined;
  workersRequested: number | undefined;
  managerJobId: string | undefined;
  workerJobId: string | undefined;
}

export interface SpecView {
  spec: RunSpec;
  name: string;
  mode: 'tasks' | 'cluster';
  taskCount: number | undefined;
  workersRequested: number;
  parentRunId: string | undefined;
}

const STATES = new Set(['running', 'succeeded', 'failed', 'cancelled']);
/** Failed tasks kept per run: what summary.json lists at most. */
const MAX_FAILURES = 100;
const MAX_TAIL_LINES = 20;

function parseObject(text: string, file: string): Parsed<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: `${file} is not valid JSON (${text.length ? 'truncated or damaged' : 'empty'})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, reason: `${file} does not hold a JSON object` };
  return { ok: true, value: value as Record<string, unknown> };
}

function ownRun(object: Record<string, unknown>, file: string, runId: string): Parsed<string> {
  if (typeof object.runId !== 'string')
    return { ok: false, reason: `${file} was not written by AWS Batch Runner (no runId)` };
  if (object.runId !== runId)
    return { ok: false, reason: `${file} belongs to another run (${object.runId.slice(0, 80)})` };
  return { ok: true, value: object.runId };
}

const count = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
function time(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

function taskCounts(value: unknown): TaskCountsView | undefined {
  const o = record(value);
  const total = count(o?.total);
  if (!o || total === undefined) return undefined;
  return {
    total,
    queued: count(o.queued) ?? 0,
    running: count(o.running) ?? 0,
    succeeded: count(o.succeeded) ?? 0,
    failed: count(o.failed) ?? 0,
    retried: count(o.retried) ?? 0,
  };
}

function failures(value: unknown): FailedTask[] {
  if (!Array.isArray(value)) return [];
  const out: FailedTask[] = [];
  for (const item of value.slice(0, MAX_FAILURES)) {
    const o = record(item);
    const index = count(o?.index);
    if (!o || index === undefined) continue;
    const exitCode = o.exitCode === null ? null : count(o.exitCode);
    const tail = Array.isArray(o.tail) ? o.tail.filter((line): line is string => typeof line === 'string') : [];
    out.push({
      index,
      attempts: count(o.attempts) ?? 1,
      exitCode,
      reason: text(o.reason) ?? '',
      tail: tail.slice(-MAX_TAIL_LINES).map((line) => line.slice(0, 500)),
    });
  }
  return out;
}

function usage(value: unknown): UsageView | undefined {
  const o = record(value);
  if (!o) return undefined;
  return {
    managerSeconds: count(o.managerSeconds) ?? 0,
    workerSeconds: count(o.workerSeconds) ?? 0,
    vcpus: count(o.vcpus),
    gpus: count(o.gpus),
  };
}

export function parseProgress(body: string, runId: string): Parsed<ProgressView> {
  const parsed = parseObject(body, 'progress.json');
  if (!parsed.ok) return parsed;
  const o = parsed.value;
  const own = ownRun(o, 'progress.json', runId);
  if (!own.ok) return own;
  if (typeof o.state !== 'string' || !STATES.has(o.state))
    return { ok: false, reason: `progress.json has an unknown state (${String(o.state).slice(0, 40)})` };
  const workers = record(o.workers);
  const launch = record(workers?.launch);
  return {
    ok: true,
    value: {
      runId,
      state: o.state as ProgressView['state'],
      seq: count(o.seq),
      startedAt: time(o.startedAt),
      updatedAt: time(o.updatedAt),
      managerJobId: text(o.managerJobId),
      workerJobId: text(o.workerJobId),
      tasks: taskCounts(o.tasks),
      workers: workers
        ? {
            requested: count(workers.max) ?? 0,
            connected: count(workers.connected) ?? 0,
            running: count(launch?.running),
          }
        : undefined,
      failures: failures(o.failures),
      usage: usage(o.usage),
      exitCode: count(o.exitCode),
    },
  };
}

export function parseSummary(body: string, runId: string): Parsed<SummaryView> {
  const parsed = parseObject(body, 'summary.json');
  if (!parsed.ok) return parsed;
  const o = parsed.value;
  const own = ownRun(o, 'summary.json', runId);
  if (!own.ok) return own;
  if (o.status !== 'succeeded' && o.status !== 'failed' && o.status !== 'cancelled')
    return { ok: false, reason: `summary.json has an unknown status (${String(o.status).slice(0, 40)})` };
  const workers = record(o.workers);
  return {
    ok: true,
    value: {
      runId,
      mode: o.mode === 'tasks' || o.mode === 'cluster' ? o.mode : undefined,
      status: o.status,
      exitCode: count(o.exitCode),
      reason: text(o.reason),
      startedAt: time(o.startedAt),
      finishedAt: time(o.finishedAt),
      tasks: taskCounts(o.tasks),
      failures: failures(o.failures),
      usage: usage(o.usage),
      workersRequested: count(workers?.max),
      managerJobId: text(o.managerJobId),
      workerJobId: text(workers?.workerJobId),
    },
  };
}

export function parseSpec(body: string, runId: string): Parsed<SpecView> {
  const parsed = parseObject(body, 'run.json');
  if (!parsed.ok) return parsed;
  const o = parsed.value;
  const own = ownRun(o, 'run.json', runId);
  if (!own.ok) return own;
  if (typeof o.name !== 'string') return { ok: false, reason: 'run.json has no name' };
  const tasks = record(o.tasks);
  const cluster = record(o.cluster);
  if (!tasks && !cluster) return { ok: false, reason: 'run.json has neither tasks nor cluster' };
  const workers = o.workers;
  const requested = count(workers) ?? count(record(workers)?.max) ?? 1;
  const taskCount = tasks ? (Array.isArray(tasks.inputs) ? tasks.inputs.length : count(tasks.count)) : undefined;
  return {
    ok: true,
    value: {
      spec: o as unknown as RunSpec,
      name: o.name,
      mode: tasks ? 'tasks' : 'cluster',
      taskCount: Array.isArray(tasks?.indexes) ? tasks.indexes.length : taskCount,
      workersRequested: requested,
      parentRunId: text(o.parentRunId),
    },
  };
}

/**
 * The time in a run id (`<name>-<yyyymmdd-hhmmss>-<hex>`, see src/config/runSpec.ts newRunId), so a
 * folder sorts and shows a date before any of its files is read.
 */
export function runIdTime(runId: string): number | undefined {
  const match = /-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-[0-9a-f]+$/.exec(runId);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  const ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The run's name from its id, until run.json is read. */
export function runIdName(runId: string): string {
  return runId.replace(/-\d{8}-\d{6}-[0-9a-f]+$/, '');
}
