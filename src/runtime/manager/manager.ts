// The manager: reads run.json, makes sure the run secret exists, listens for workers, launches
// them, hands them to the mode (tasks or cluster), watches the launch (minimum workers within the
// launch timeout, workers that never connect), and at the end stops every worker it started
// before writing summary.json (a cancelled run writes it before that too, and an unexpected error
// writes a failed one).
import { EXIT, UsageError } from '../exitCodes';
import { discoverAddress, formatHostPort } from '../address';
import { describeError, type Log } from '../log';
import type { Mode } from '../protocol/messages';
import type { RunProgress, RunSummary, RunUsage } from '../runFiles';
import {
  DEFAULT_LAUNCH_TIMEOUT_SECONDS,
  MAX_TASKS,
  RunSpecError,
  parseRunSpec,
  workerRange,
  type RunSpec,
  type TaskSpec,
  type WorkerRange,
} from '../runSpec';
import { SettingsError, silenceMs, withRunSettings, type Settings } from '../settings';
import { ensureSecret } from '../store/secret';
import { KEYS, readJson, type RunStore } from '../store/store';
import type { LaunchStatus, Launcher } from '../launch/launcher';
import { ClusterRun } from './clusterRun';
import type { Controller, RunOutcome } from './controller';
import { WorkerListener, type ConnectedWorker } from './listener';
import { ProgressWriter } from './progress';
import { TaskRun } from './taskRun';
import { StreamedInputs, countInputs, openInputs } from './inputs';

export interface ManagerOptions {
  store: RunStore;
  settings: Settings;
  log: Log;
  /** Builds the launcher once the run ID is known; undefined: workers are started by someone else. */
  launcher?: (spec: RunSpec) => Promise<Launcher>;
  /** Override of run.json's worker count (`local --workers N`). */
  workers?: number;
  /** Listen and advertise on loopback only (local runs). */
  loopback?: boolean;
  /** Resolves when the run should stop early (signals); the manager still stops its workers. */
  interrupted?: Promise<RunOutcome>;
  /** The manager's AWS_BATCH_JOB_ID, when it runs in AWS Batch (progress.json, summary.json). */
  managerJobId?: string;
  /** How long workers get to exit on their own at the end before they are terminated (default 15 s). */
  shutdownGraceMs?: number;
  /**
   * Without a launcher (workers started by someone else, e.g. Run Locally's containers): at the end
   * of a run that did not get every expected worker, keep listening up to the shutdown grace for
   * the ones still to connect, so they are told the run is over and exit 0 rather than be stopped.
   */
  awaitLateWorkers?: boolean;
  /** The environment whose BATCH_RUNNER_* variables win over run.json's `runtime` (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** The clock, epoch ms (start, usage and duration figures); tests inject one. */
  now?: () => number;
}

/** How long workers told to shut down get to exit on their own before they are terminated. */
const SHUTDOWN_GRACE_MS = 15_000;

export async function runManager(options: ManagerOptions): Promise<number> {
  const { store, log } = options;
  const now = options.now ?? Date.now;
  const startedAt = new Date(now());
  const raw = await readJson(store, KEYS.spec).catch((error) => {
    throw new UsageError(`cannot read run.json from ${store.location}: ${describeError(error)}`);
  });
  if (raw === undefined) throw new UsageError(`there is no run.json in ${store.location}`);
  const spec = parseRunSpec(raw);
  const settings = withRunSettings(options.settings, spec.runtime, options.env);
  const mode: Mode = spec.tasks ? 'tasks' : 'cluster';
  const range = withOverride(workerRange(spec), options.workers);

  const connected = new Map<string, ConnectedWorker>();
  const everConnected = new Set<string>();
  /** Workers that connected after the run had ended (told to go at once). */
  const late = new Set<string>();
  let ended = false;
  let launcher: Launcher | undefined;
  let launch: LaunchStatus | undefined;
  let managerAddress = '';
  let controller: Controller | undefined;
  let listener: WorkerListener | undefined;
  let monitor: NodeJS.Timeout | undefined;
  /** Set once the run's last summary.json is written: an error after that leaves it alone. */
  let finalSummary = false;

  const usage = (): RunUsage => ({
    managerSeconds: (now() - startedAt.getTime()) / 1000,
    ...(launcher?.usage(now()) ?? { workerSeconds: 0 }),
  });
  const snapshot = (): Omit<RunProgress, 'seq' | 'updatedAt'> => ({
    runId: spec.runId,
    name: spec.name,
    mode,
    state: 'running',
    manager: managerAddress,
    managerJobId: options.managerJobId,
    workerJobId: launcher?.workerJobId(),
    startedAt: startedAt.toISOString(),
    workers: { min: range.min, max: range.max, connected: connected.size, everConnected: everConnected.size, launch },
    ...controller?.report(),
    usage: usage(),
  });
  const progress = new ProgressWriter(store, settings.progressMs, () => snapshot(), log);
  /** The fields of summary.json the mode can give before it finished (a cancelled run, an error). */
  const interim = (): Partial<RunSummary> => {
    const { tasks, failures } = controller?.report() ?? {};
    return { tasks, failures };
  };
  const summaryOf = (outcome: RunOutcome, results: Partial<RunSummary>): RunSummary => {
    const finishedAt = new Date(now());
    return {
      runId: spec.runId,
      name: spec.name,
      mode,
      status: outcome.status,
      exitCode: outcome.exitCode,
      reason: outcome.reason,
      managerJobId: options.managerJobId,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationSeconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
      ...results,
      workers: { min: range.min, max: range.max, everConnected: everConnected.size, ...launcher?.describe() },
      usage: usage(),
      droppedConnections: listener?.dropped ?? 0,
    };
  };
  const writeSummary = async (summary: RunSummary): Promise<boolean> => {
    try {
      await store.write(KEYS.summary, JSON.stringify(summary, null, 2) + '\n');
      return true;
    } catch (error) {
      log(`could not write summary.json: ${describeError(error)}`);
      return false;
    }
  };

  try {
    const secret = await ensureSecret(store).catch((error) => {
      throw new UsageError(`cannot read or create the run secret in ${store.location}: ${describeError(error)}`);
    });
    const advertised = options.loopback
      ? { address: '127.0.0.1', source: 'loopback' as const }
      : await discoverAddress(settings.advertiseAddress);
    const bind = settings.bindAddress ?? advertised.address;

    const run: Controller = spec.tasks
      ? await taskRun(spec.tasks, store, log, () => progress.changed(), settings.overdueGraceMs)
      : new ClusterRun({
          cluster: spec.cluster!,
          range,
          runId: spec.runId,
          managerHost: advertised.address,
          environment: spec.environment ?? {},
          killGraceMs: settings.killGraceMs,
          log,
          changed: () => progress.changed(),
        });
    controller = run;

    const arrivals = new Arrivals(log);
    const workers = new WorkerListener({
      secret,
      runId: spec.runId,
      welcome: {
        mode,
        slots: spec.tasks?.slotsPerWorker ?? 1,
        heartbeatMs: settings.heartbeatMs,
        environment: spec.environment ?? {},
      },
      handshakeMs: settings.handshakeMs,
      dropLogMs: settings.dropLogMs,
      maxHalfOpen: settings.maxHandshakes,
      heartbeatMs: settings.heartbeatMs,
      silenceMs: silenceMs(settings),
      log,
      onWorker: (worker) => {
        arrivals.connected(worker);
        if (ended) {
          // Too late for this run: let it exit cleanly (code 0, its job SUCCEEDED) rather than be terminated.
          late.add(worker.id);
          worker.peer.send({ t: 'shutdown', reason: 'the run is over' });
          worker.peer.end('run over');
          return;
        }
        connected.get(worker.id)?.peer.close('replaced by a new connection');
        connected.set(worker.id, worker);
        everConnected.add(worker.id);
        worker.peer.socket.once('close', () => {
          if (connected.get(worker.id) === worker) connected.delete(worker.id);
        });
        run.addWorker(worker);
      },
    });
    listener = workers;
    const port = await workers.listen(bind, settings.port);
    managerAddress = formatHostPort(advertised.address, port);
    log(
      `run ${spec.runId}: listening on ${managerAddress} (address from ${advertised.source}); store ${store.location}`,
    );
    await progress.flush();
    void options.interrupted?.then((outcome) => run.abort(outcome));

    if (options.launcher) {
      try {
        launcher = await options.launcher(spec);
        await launcher.launch(range.max, { host: advertised.address, port });
        monitor = watchLaunch(launcher, spec, range, run, connected, everConnected, log, (status) => {
          launch = status;
          progress.changed();
        });
      } catch (error) {
        run.abort({
          status: 'failed',
          exitCode: EXIT.workers,
          reason: `could not launch workers: ${describeError(error)}`,
        });
      }
    }

    const outcome = await run.outcome;
    ended = true;
    clearInterval(monitor);
    log(`run ${outcome.status}: ${outcome.reason ?? ''}`);

    // Wind down: tell connected workers to exit, then make sure every launched one is gone.
    const leaving = new Set(connected.keys());
    for (const worker of connected.values()) {
      worker.peer.send({ t: 'shutdown', reason: `the run ${outcome.status}` });
      worker.peer.end('run over');
    }
    if (outcome.status === 'cancelled') {
      // AWS Batch gives a container about 30 s between SIGTERM and SIGKILL, and stopping the
      // workers may take longer: say how the run ended first, then the final figures if time allows.
      await writeSummary(summaryOf(outcome, interim()));
      await progress.flush({ state: outcome.status, exitCode: outcome.exitCode });
    }
    let exitCode = outcome.exitCode;
    const results: Partial<RunSummary> = await run.finish(store).catch((error) => {
      log(`could not write the run's results: ${describeError(error)}`);
      if (exitCode === EXIT.ok) exitCode = EXIT.internal;
      return {};
    });
    if (launcher) {
      await launcher
        .stopAll(`run ${outcome.status}`, leaving, options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS)
        .catch((error) => log(`could not stop every worker: ${describeError(error)}`));
    } else if (options.awaitLateWorkers && outcome.status !== 'cancelled') {
      await awaitLate(range.max, everConnected, late, options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS, log);
    }
    await workers.close();
    arrivals.close();

    const summary = summaryOf(
      { ...outcome, status: exitCode === outcome.exitCode ? outcome.status : 'failed', exitCode },
      results,
    );
    finalSummary = true;
    if (!(await writeSummary(summary)) && exitCode === EXIT.ok) exitCode = EXIT.internal;
    await progress.flush({ state: summary.status, exitCode, workers: { ...snapshot().workers, connected: 0 } });
    return exitCode;
  } catch (error) {
    // Something unexpected (the listener cannot bind, the store fails): the run still gets its ending.
    if (!finalSummary) {
      ended = true;
      clearInterval(monitor);
      const failed: RunOutcome = {
        status: 'failed',
        exitCode:
          error instanceof UsageError || error instanceof RunSpecError || error instanceof SettingsError
            ? EXIT.usage
            : EXIT.internal,
        reason: `the manager failed: ${describeError(error)}`,
      };
      log(`run failed: ${failed.reason}`);
      controller?.abort(failed);
      await writeSummary(summaryOf(failed, interim()));
      await progress.flush({ state: failed.status, exitCode: failed.exitCode });
      // Best effort: no worker waits for the manager timeout to notice.
      if (launcher) await launcher.terminate(launcher.ids(), failed.reason!).catch((e) => log(describeError(e)));
      await listener?.close().catch(() => undefined);
    }
    throw error;
  }
}

/** Waits (bounded) until every one of `expected` workers has connected, in time or too late. */
async function awaitLate(
  expected: number,
  everConnected: Set<string>,
  late: Set<string>,
  graceMs: number,
  log: Log,
): Promise<void> {
  const seen = () => new Set([...everConnected, ...late]).size;
  if (seen() >= expected) return;
  log(
    `waiting up to ${graceMs / 1000} s for ${expected - seen()} workers that have not connected, to tell them the run is over`,
  );
  const deadline = Date.now() + graceMs;
  while (seen() < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}

/** Task mode; with an inputs file, its inputs are counted (when run.json has no count) and streamed. */
async function taskRun(
  tasks: TaskSpec,
  store: RunStore,
  log: Log,
  changed: () => void,
  overdueGraceMs: number,
): Promise<TaskRun> {
  if (!tasks.inputsFile) return new TaskRun(tasks, log, changed, overdueGraceMs);
  const where = await openInputs(store, tasks.inputsFile);
  // A file at a URI of its own has a store of its own (an S3 client): closed once the file is read.
  const done = () => {
    if (where.own) where.store.close();
  };
  const file = `${where.store.location}${where.key}`;
  let counted: number;
  try {
    counted = tasks.count ?? (await countInputs(where.store, where.key));
  } catch (error) {
    done();
    throw error;
  }
  if (counted < 1 || counted > MAX_TASKS) {
    done();
    throw new RunSpecError(`run.json: tasks.inputsFile (${file}) has ${counted} inputs; give 1 to ${MAX_TASKS}`);
  }
  const spec = { ...tasks, count: counted };
  const wanted = tasks.indexes ? new Set(tasks.indexes) : undefined;
  const inputs = await StreamedInputs.open(where.store, where.key, wanted && ((index) => wanted.has(index)), done);
  const run = new TaskRun(spec, log, changed, overdueGraceMs, inputs);
  inputs.onReady = () => run.inputsReady();
  log(`${counted} task inputs are read from ${file} as the tasks go out`);
  return run;
}

/** Lines that a worker connected: one each for the first ones, then a count at most every few seconds. */
const ARRIVALS_LOGGED = 100;
const ARRIVALS_SUMMARY_MS = 5000;

class Arrivals {
  private count = 0;
  private unlogged = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly log: Log) {}

  connected(worker: ConnectedWorker): void {
    this.count++;
    if (this.count <= ARRIVALS_LOGGED) {
      this.log(`worker ${worker.label} connected from ${worker.peer.remote} (${worker.id})`);
      if (this.count === ARRIVALS_LOGGED)
        this.log(`further connections are counted every ${ARRIVALS_SUMMARY_MS / 1000} s`);
      return;
    }
    this.unlogged++;
    this.timer ??= setTimeout(() => this.flush(), ARRIVALS_SUMMARY_MS).unref();
  }

  private flush(): void {
    this.timer = undefined;
    if (this.unlogged === 0) return;
    this.log(`${this.unlogged} more workers connected (${this.count} connections so far)`);
    this.unlogged = 0;
  }

  close(): void {
    clearTimeout(this.timer);
    this.flush();
  }
}

function withOverride(range: WorkerRange, workers: number | undefined): WorkerRange {
  if (workers === undefined) return range;
  return { min: Math.min(range.min, workers), max: workers };
}

/**
 * Polls the launcher: the launch timeout counts from the first worker reaching RUNNING; when it
 * passes, the run fails if fewer than the minimum connected, and workers that never connected are
 * terminated. If every launched worker has ended while the run still needs workers, it fails.
 */
function watchLaunch(
  launcher: Launcher,
  spec: RunSpec,
  range: WorkerRange,
  controller: Controller,
  connected: Map<string, ConnectedWorker>,
  everConnected: Set<string>,
  log: Log,
  onStatus: (status: LaunchStatus) => void,
): NodeJS.Timeout {
  const timeoutMs = (spec.launchTimeoutSeconds ?? DEFAULT_LAUNCH_TIMEOUT_SECONDS) * 1000;
  let firstRunningAt: number | undefined;
  let settled = false;
  let busy = false;
  let lastError = '';
  const check = async () => {
    if (busy) return;
    busy = true;
    try {
      const status = await launcher.status();
      onStatus(status);
      const now = Date.now();
      if (status.running > 0 || everConnected.size > 0) firstRunningAt ??= now;
      if (!settled && everConnected.size >= range.max) settled = true;
      if (!settled && firstRunningAt !== undefined && now - firstRunningAt > timeoutMs) {
        settled = true;
        if (connected.size < range.min && controller.needsWorkers()) {
          controller.abort({
            status: 'failed',
            exitCode: EXIT.workers,
            reason: `${connected.size} of the ${range.min} workers needed connected within ${timeoutMs / 1000} s of the first worker starting`,
          });
          return;
        }
        const never = launcher.ids().filter((id) => !everConnected.has(id));
        if (never.length > 0) {
          log(`${never.length} workers did not connect within the launch timeout; terminating them`);
          await launcher.terminate(never, 'did not connect to the manager within the launch timeout');
        }
      }
      if (status.total > 0 && status.finished >= status.total && connected.size === 0 && controller.needsWorkers()) {
        controller.abort({
          status: 'failed',
          exitCode: EXIT.workers,
          reason: `all ${status.total} workers have ended (${everConnected.size} ever connected) and work remains`,
        });
      }
    } catch (error) {
      if (describeError(error) !== lastError) log(`could not check the workers: ${describeError(error)}`);
      lastError = describeError(error);
    } finally {
      busy = false;
    }
  };
  // Short launch timeouts (tests, impatient users) are checked more often than the launcher's default.
  const timer = setInterval(() => void check(), Math.min(launcher.pollMs, Math.max(1000, timeoutMs / 4)));
  timer.unref();
  void check();
  return timer;
}
