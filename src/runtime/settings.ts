// Tunables, with defaults for production: run.json's `runtime` section (aws-batch.json's "runtime")
// sets them for a run; an environment variable of the same setting wins over it. Tests shorten them.
import type { RuntimeSpec } from './runSpec';

export interface Settings {
  /** Both sides send a heartbeat this often; a peer silent for 3 intervals is dropped. */
  heartbeatMs: number;
  /** A worker that cannot reach its manager for this long exits (no orphans). */
  managerTimeoutMs: number;
  /** An unauthenticated connection must finish the handshake within this time. */
  handshakeMs: number;
  /** progress.json is rewritten at most this often while tasks finish. */
  progressMs: number;
  /** Grace between SIGTERM and SIGKILL when a task or command is stopped. */
  killGraceMs: number;
  /** Manager: a task with a time limit and no result this long after the limit is given up on (safety net). */
  overdueGraceMs: number;
  /** Port the manager listens on; 0 picks a free one. */
  port: number;
  /** Address the manager advertises to workers (and a worker to cluster commands); discovered if unset. */
  advertiseAddress?: string;
  /** Address the manager binds; defaults to the advertised address. */
  bindAddress?: string;
  /** Connections dropped before they authenticated are summed up in the log at most this often. */
  dropLogMs: number;
  /** Connections in their handshake at once; a new one beyond this drops the oldest. */
  maxHandshakes: number;
  /** Worker: tasks it asks for beyond its slots, so the next one is at hand (default: one per slot). */
  prefetch?: number;
}

export const ENV = {
  runUri: 'BATCH_RUNNER_RUN_URI',
  heartbeat: 'BATCH_RUNNER_HEARTBEAT_SECONDS',
  managerTimeout: 'BATCH_RUNNER_MANAGER_TIMEOUT_SECONDS',
  handshake: 'BATCH_RUNNER_HANDSHAKE_SECONDS',
  progress: 'BATCH_RUNNER_PROGRESS_SECONDS',
  killGrace: 'BATCH_RUNNER_KILL_GRACE_SECONDS',
  overdueGrace: 'BATCH_RUNNER_OVERDUE_GRACE_SECONDS',
  port: 'BATCH_RUNNER_PORT',
  advertise: 'BATCH_RUNNER_ADVERTISE_ADDRESS',
  bind: 'BATCH_RUNNER_BIND_ADDRESS',
  dropLog: 'BATCH_RUNNER_DROP_LOG_SECONDS',
  prefetch: 'BATCH_RUNNER_PREFETCH',
  maxHandshakes: 'BATCH_RUNNER_MAX_HANDSHAKES',
} as const;

export class SettingsError extends Error {}

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback * 1000;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new SettingsError(`${name} must be a positive number of seconds`);
  return Math.round(value * 1000);
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const port = Number(env[ENV.port] ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SettingsError(`${ENV.port} must be a port number`);
  const maxHandshakes = Number(env[ENV.maxHandshakes] || 4096);
  if (!Number.isInteger(maxHandshakes) || maxHandshakes < 1)
    throw new SettingsError(`${ENV.maxHandshakes} must be a whole number of at least 1`);
  const prefetch = env[ENV.prefetch] ? Number(env[ENV.prefetch]) : undefined;
  if (prefetch !== undefined && (!Number.isInteger(prefetch) || prefetch < 0 || prefetch > 100_000))
    throw new SettingsError(`${ENV.prefetch} must be a whole number from 0 to 100000`);
  return {
    prefetch,
    dropLogMs: seconds(env, ENV.dropLog, 60),
    maxHandshakes,
    heartbeatMs: seconds(env, ENV.heartbeat, 5),
    managerTimeoutMs: seconds(env, ENV.managerTimeout, 60),
    handshakeMs: seconds(env, ENV.handshake, 10),
    progressMs: seconds(env, ENV.progress, 2),
    killGraceMs: seconds(env, ENV.killGrace, 5),
    overdueGraceMs: seconds(env, ENV.overdueGrace, 900),
    port,
    advertiseAddress: env[ENV.advertise] || undefined,
    bindAddress: env[ENV.bind] || undefined,
  };
}

/** Silence after which a connected peer counts as gone. */
export function silenceMs(settings: Settings): number {
  return settings.heartbeatMs * 3;
}

/** Which environment variable each of run.json's `runtime` settings stands for. */
const RUNTIME_ENV = {
  managerTimeoutSeconds: ENV.managerTimeout,
  heartbeatSeconds: ENV.heartbeat,
  killGraceSeconds: ENV.killGrace,
  handshakeSeconds: ENV.handshake,
  port: ENV.port,
} as const;

/** `settings` with run.json's `runtime` values, except those whose environment variable is set. */
export function withRunSettings(
  settings: Settings,
  runtime: RuntimeSpec | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Settings {
  if (!runtime) return settings;
  const out = { ...settings };
  const given = (key: keyof typeof RUNTIME_ENV) => runtime[key] !== undefined && !env[RUNTIME_ENV[key]];
  if (given('managerTimeoutSeconds')) out.managerTimeoutMs = Math.round(runtime.managerTimeoutSeconds! * 1000);
  if (given('heartbeatSeconds')) out.heartbeatMs = Math.round(runtime.heartbeatSeconds! * 1000);
  if (given('killGraceSeconds')) out.killGraceMs = Math.round(runtime.killGraceSeconds! * 1000);
  if (given('handshakeSeconds')) out.handshakeMs = Math.round(runtime.handshakeSeconds! * 1000);
  if (given('port')) out.port = runtime.port!;
  return out;
}
