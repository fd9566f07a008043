// The messages of protocol version 2 and their shape checks. A message that fails its check is
// treated like garbage on the wire: the sender is dropped.
// 2: frames after the welcome are sealed (protocol/sealing.ts).
// 3: sealed frames are encrypted (AES-256-GCM); the run's environment travels in a sealed `setup`
//    message, not in the plain welcome.
export const PROTOCOL_VERSION = 3;

/** Frames before authentication are small (hellos only); this keeps unauthenticated peers cheap. */
export const HANDSHAKE_MAX_FRAME_BYTES = 4096;
/** Frames after authentication: task assignments carry the task's input, results its output.json. */
export const MAX_FRAME_BYTES = 1024 * 1024;
/** An output.json up to this size travels in the result message; a larger one is read from the store. */
export const INLINE_OUTPUT_BYTES = 256 * 1024;
/** A failed task's result carries at most this many of the last lines of its output... */
export const TAIL_MAX_LINES = 20;
/** ...of at most this many bytes (UTF-8) in all. */
export const TAIL_MAX_BYTES = 2048;

export type Mode = 'tasks' | 'cluster';

// --- handshake -----------------------------------------------------------------------------------
export interface ManagerHello {
  t: 'hello';
  v: number;
  role: 'manager';
  runId: string;
  challenge: string;
}
export interface WorkerHello {
  t: 'hello';
  v: number;
  role: 'worker';
  /** Stable identity: the Batch job ID (array child `<id>:<i>`) or `local-<i>`. */
  workerId: string;
  /** Short name for logs, such as the array index. */
  label: string;
  /** Where the worker can be reached (cluster mode hands these to the manager command). */
  address: string;
  challenge: string;
  proof: string;
}
export interface Welcome {
  t: 'welcome';
  proof: string;
  mode: Mode;
  slots: number;
  heartbeatMs: number;
  /** Always {} on the wire since protocol 3 (the welcome is not encrypted): see Setup. */
  environment: Record<string, string>;
}

// --- after authentication --------------------------------------------------------------------------
export interface Beat {
  t: 'beat';
}
/** Worker: "I have room for n more tasks". */
export interface Want {
  t: 'want';
  n: number;
}
export interface Assign {
  t: 'task';
  index: number;
  attempt: number;
  command: string[];
  /** Present only in `inputs` runs; may be any JSON value, null included. */
  input?: unknown;
  timeoutMs?: number;
}
export interface Result {
  t: 'result';
  index: number;
  attempt: number;
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  /** One line: what went wrong (exit code, signal, timeout) and the last line of stderr. */
  reason?: string;
  /** Failed attempts: the last lines of the task's output (stdout and stderr), oldest first. */
  tail?: string[];
  /** output.json as compact JSON text, when small enough to travel inline. */
  output?: string;
  /** output.json was too large to travel inline; it is in the store at tasks/<i>/output.json. */
  outputInStore?: boolean;
  ms: number;
}
/** Manager to worker, the first sealed frame: the run's environment for tasks and commands. */
export interface Setup {
  t: 'setup';
  environment: Record<string, string>;
}
/** Manager to worker: several tasks at once (each as a `task` message would carry it). */
export interface Tasks {
  t: 'tasks';
  tasks: Assign[];
}
/** Worker to manager: several results at once, and room for `want` more tasks. */
export interface Results {
  t: 'results';
  results: Result[];
  want: number;
}
export interface Cancel {
  t: 'cancel';
  index: number;
  attempt: number;
}
export interface Shutdown {
  t: 'shutdown';
  reason: string;
}
/** Cluster mode, manager to worker: run the worker command. */
export interface Start {
  t: 'start';
  command: string[];
  env: Record<string, string>;
  /** When to answer `started`: see ClusterSpec.ready (absent: as soon as the command spawned). */
  ready?: 'port' | 'file' | 'spawned';
}
/** Cluster mode, worker to manager: the worker command started (or could not). */
export interface Started {
  t: 'started';
  ok: boolean;
  reason?: string;
}
/** Cluster mode, worker to manager: the worker command ended. */
export interface Exited {
  t: 'exited';
  exitCode: number | null;
  signal: string | null;
}

export type ToWorker = Beat | Setup | Assign | Tasks | Cancel | Shutdown | Start;
export type ToManager = Beat | Want | Result | Results | Started | Exited;

// --- shape checks ------------------------------------------------------------------------------------
type Raw = Record<string, unknown>;

const isString = (v: unknown, max = 4096): v is string => typeof v === 'string' && v.length <= max;
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0 && v.every((s) => isString(s, 1e5));
const isEnv = (v: unknown): v is Record<string, string> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((s) => typeof s === 'string');
const isCode = (v: unknown) => v === null || Number.isSafeInteger(v);
const isSignal = (v: unknown) => v === null || isString(v, 32);
/** At most TAIL_MAX_LINES strings of at most TAIL_MAX_BYTES bytes in all. */
const isTail = (v: unknown): v is string[] => {
  if (!Array.isArray(v) || v.length > TAIL_MAX_LINES) return false;
  let bytes = 0;
  for (const line of v) {
    if (typeof line !== 'string' || line.length > TAIL_MAX_BYTES) return false;
    bytes += Buffer.byteLength(line);
  }
  return bytes <= TAIL_MAX_BYTES;
};
const isHex = (v: unknown, bytes: number) => typeof v === 'string' && v.length === bytes * 2 && /^[0-9a-f]+$/.test(v);

export function asManagerHello(m: Raw): ManagerHello | undefined {
  return m.t === 'hello' && m.role === 'manager' && isCount(m.v) && isString(m.runId, 256) && isHex(m.challenge, 32)
    ? (m as unknown as ManagerHello)
    : undefined;
}

export function asWorkerHello(m: Raw): WorkerHello | undefined {
  const ok =
    m.t === 'hello' &&
    m.role === 'worker' &&
    isCount(m.v) &&
    isString(m.workerId, 256) &&
    isString(m.label, 64) &&
    isString(m.address, 256) &&
    isHex(m.challenge, 32) &&
    isHex(m.proof, 32);
  return ok ? (m as unknown as WorkerHello) : undefined;
}

export function asWelcome(m: Raw): Welcome | undefined {
  const ok =
    m.t === 'welcome' &&
    isHex(m.proof, 32) &&
    (m.mode === 'tasks' || m.mode === 'cluster') &&
    isCount(m.slots) &&
    isCount(m.heartbeatMs) &&
    isEnv(m.environment);
  return ok ? (m as unknown as Welcome) : undefined;
}

/** A message from an authenticated worker, or undefined when it is not one. */
export function asToManager(m: Raw): ToManager | undefined {
  switch (m.t) {
    case 'beat':
      return m as unknown as Beat;
    case 'want':
      return isCount(m.n) && (m.n as number) > 0 ? (m as unknown as Want) : undefined;
    case 'results': {
      const ok =
        Array.isArray(m.results) &&
        m.results.length <= 100_000 &&
        isCount(m.want) &&
        m.results.every(
          (r) => typeof r === 'object' && r !== null && (r as Raw).t === 'result' && asToManager(r as Raw),
        );
      return ok ? (m as unknown as Results) : undefined;
    }
    case 'result': {
      const ok =
        isCount(m.index) &&
        isCount(m.attempt) &&
        typeof m.ok === 'boolean' &&
        isCode(m.exitCode) &&
        isSignal(m.signal) &&
        (m.reason === undefined || isString(m.reason, 64 * 1024)) &&
        (m.tail === undefined || isTail(m.tail)) &&
        (m.output === undefined || typeof m.output === 'string') &&
        (m.outputInStore === undefined || typeof m.outputInStore === 'boolean') &&
        typeof m.ms === 'number';
      return ok ? (m as unknown as Result) : undefined;
    }
    case 'started':
      return typeof m.ok === 'boolean' && (m.reason === undefined || isString(m.reason, 64 * 1024))
        ? (m as unknown as Started)
        : undefined;
    case 'exited':
      return isCode(m.exitCode) && isSignal(m.signal) ? (m as unknown as Exited) : undefined;
    default:
      return undefined;
  }
}

/** A message from an authenticated manager, or undefined when it is not one. */
export function asToWorker(m: Raw): ToWorker | undefined {
  switch (m.t) {
    case 'beat':
      return m as unknown as Beat;
    case 'tasks': {
      const ok =
        Array.isArray(m.tasks) &&
        m.tasks.every((t) => typeof t === 'object' && t !== null && (t as Raw).t === 'task' && asToWorker(t as Raw));
      return ok ? (m as unknown as Tasks) : undefined;
    }
    case 'task': {
      const ok =
        isCount(m.index) &&
        isCount(m.attempt) &&
        isStrings(m.command) &&
        (m.timeoutMs === undefined || (isCount(m.timeoutMs) && (m.timeoutMs as number) > 0));
      return ok ? (m as unknown as Assign) : undefined;
    }
    case 'setup':
      return isEnv(m.environment) ? (m as unknown as Setup) : undefined;
    case 'cancel':
      return isCount(m.index) && isCount(m.attempt) ? (m as unknown as Cancel) : undefined;
    case 'shutdown':
      return isString(m.reason) ? (m as unknown as Shutdown) : undefined;
    case 'start':
      return isStrings(m.command) &&
        isEnv(m.env) &&
        (m.ready === undefined || ['port', 'file', 'spawned'].includes(m.ready as string))
        ? (m as unknown as Start)
        : undefined;
    default:
      return undefined;
  }
}
