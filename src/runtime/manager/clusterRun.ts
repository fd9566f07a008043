// Cluster mode on the manager: once the minimum number of workers is connected, each runs the
// worker command, then the manager runs the manager command with their addresses. The manager
// command's exit ends the run and is its exit code; the workers are then stopped.
import { constants } from 'node:os';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatHostPort } from '../address';
import { EXIT } from '../exitCodes';
import type { Log } from '../log';
import { asToManager } from '../protocol/messages';
import { describeOutcome, exitStatus, startCommand, type Running } from '../processes';
import type { RunProgress, RunSummary } from '../runFiles';
import type { ClusterSpec, WorkerRange } from '../runSpec';
import type { Controller, RunOutcome } from './controller';
import type { ConnectedWorker } from './listener';

/** Every chosen worker must report its command started within this time. */
const START_TIMEOUT_MS = 120_000;

export interface ClusterOptions {
  cluster: ClusterSpec;
  range: WorkerRange;
  runId: string;
  managerHost: string;
  environment: Record<string, string>;
  killGraceMs: number;
  log: Log;
  changed: () => void;
}

export class ClusterRun implements Controller {
  readonly outcome: Promise<RunOutcome>;
  private resolve!: (outcome: RunOutcome) => void;
  private done = false;
  private readonly waiting = new Map<string, ConnectedWorker>();
  /** The workers in the cluster, in BATCH_WORKER_INDEX order, once it started. */
  private members?: ConnectedWorker[];
  private readonly started = new Set<string>();
  private command?: Running;
  private startTimer?: NodeJS.Timeout;
  private hostfileDir?: string;

  constructor(private readonly options: ClusterOptions) {
    this.outcome = new Promise((resolve) => (this.resolve = resolve));
  }

  addWorker(worker: ConnectedWorker): void {
    const { log } = this.options;
    const memberIndex = this.members?.findIndex((m) => m.id === worker.id) ?? -1;
    if (this.members && memberIndex < 0) {
      // Late: the cluster's host list is fixed once the manager command runs.
      worker.peer.send({ t: 'shutdown', reason: 'the cluster started without this worker' });
      worker.peer.end('not needed');
      return;
    }
    worker.peer.setHandlers({
      onMessage: (raw) => {
        const message = asToManager(raw);
        if (!message) worker.peer.close(`unexpected message: ${String(raw.t).slice(0, 40)}`);
        else if (message.t === 'started') this.workerStarted(worker, message.ok, message.reason);
        else if (message.t === 'exited') {
          log(
            `worker ${worker.label}: the worker command ended (${message.signal ?? `exit code ${message.exitCode}`})`,
          );
        }
      },
      onClose: (reason) => {
        if (this.waiting.get(worker.id) === worker) this.waiting.delete(worker.id);
        if (!this.done) log(`worker ${worker.label} is gone (${reason})`);
        this.options.changed();
      },
    });
    if (this.members) {
      // A member reconnected; it answers "started" again without starting a second command.
      this.members[memberIndex] = worker;
      this.sendStart(worker, memberIndex);
      return;
    }
    this.waiting.get(worker.id)?.peer.close('replaced by a new connection');
    this.waiting.set(worker.id, worker);
    this.options.changed();
    if (this.waiting.size >= this.options.range.min) this.startWorkers();
  }

  abort(outcome: RunOutcome): void {
    this.end(outcome);
  }

  needsWorkers(): boolean {
    return !this.done && this.members === undefined;
  }

  report(): Pick<RunProgress, 'cluster'> {
    return {
      cluster: {
        state: this.command ? 'running' : this.members ? 'starting' : 'waiting for workers',
        workersWaiting: this.waiting.size,
        members: this.members?.length ?? 0,
        commandsStarted: this.started.size,
      },
    };
  }

  async finish(): Promise<Pick<RunSummary, 'cluster'>> {
    clearTimeout(this.startTimer);
    if (this.command) {
      this.command.stop('the run is ending');
      await this.command.done;
    }
    if (this.hostfileDir) await rm(this.hostfileDir, { recursive: true, force: true });
    return { cluster: { workers: this.members?.map((m) => ({ label: m.label, address: m.address })) ?? [] } };
  }

  private startWorkers(): void {
    const byLabel = (a: ConnectedWorker, b: ConnectedWorker) =>
      a.label.localeCompare(b.label, undefined, { numeric: true });
    const members = [...this.waiting.values()].sort(byLabel).slice(0, this.options.range.max);
    this.members = members;
    this.options.log(`${members.length} workers are up; starting the worker command on each`);
    members.forEach((worker, index) => this.sendStart(worker, index));
    this.startTimer = setTimeout(() => {
      const missing = members.filter((m) => !this.started.has(m.id)).map((m) => m.label);
      this.end({
        status: 'failed',
        exitCode: EXIT.workers,
        reason: `the worker command did not start (or report ready) on workers ${missing.join(', ')} within ${START_TIMEOUT_MS / 1000} s`,
      });
    }, START_TIMEOUT_MS);
    this.options.changed();
  }

  private sendStart(worker: ConnectedWorker, index: number): void {
    const members = this.members!;
    const { cluster } = this.options;
    worker.peer.send({
      t: 'start',
      command: cluster.worker,
      env: {
        BATCH_MANAGER_HOST: this.options.managerHost,
        BATCH_WORKER_HOST: worker.address,
        BATCH_WORKER_INDEX: String(index),
        BATCH_WORKER_COUNT: String(members.length),
        ...(cluster.workerPort ? { BATCH_WORKER_PORT: String(cluster.workerPort) } : {}),
      },
      ready: cluster.ready ?? (cluster.workerPort ? 'port' : 'spawned'),
    });
  }

  private workerStarted(worker: ConnectedWorker, ok: boolean, reason?: string): void {
    if (!ok) {
      this.end({
        status: 'failed',
        exitCode: EXIT.runFailed,
        reason: `the worker command could not start on worker ${worker.label}: ${reason ?? 'unknown error'}`,
      });
      return;
    }
    this.started.add(worker.id);
    this.options.changed();
    if (this.members && !this.command && this.members.every((m) => this.started.has(m.id))) {
      clearTimeout(this.startTimer);
      void this.runManagerCommand(this.members);
    }
  }

  private async runManagerCommand(members: ConnectedWorker[]): Promise<void> {
    if (this.done) return;
    const { cluster, environment, runId, managerHost, killGraceMs, log } = this.options;
    const hosts = members.map((m) => m.address);
    // MPI and friends read hosts from a file.
    this.hostfileDir = await mkdtemp(join(tmpdir(), 'batch-runner-cluster-'));
    const hostfile = join(this.hostfileDir, 'hosts');
    await writeFile(hostfile, hosts.join('\n') + '\n');
    if (this.done) return;
    log(`every worker is ready; running the manager command with ${hosts.length} workers: ${hosts.join(', ')}`);
    this.command = startCommand(cluster.manager, {
      env: {
        ...process.env,
        ...environment,
        BATCH_RUN_ID: runId,
        BATCH_MANAGER_HOST: managerHost,
        BATCH_WORKER_HOSTS: hosts.join(','),
        BATCH_WORKER_COUNT: String(hosts.length),
        BATCH_WORKER_HOSTFILE: hostfile,
        ...(cluster.workerPort
          ? {
              BATCH_WORKER_PORT: String(cluster.workerPort),
              BATCH_WORKER_ADDRESSES: hosts.map((h) => formatHostPort(h, cluster.workerPort!)).join(','),
            }
          : {}),
      },
      stdio: 'inherit',
      killGraceMs,
    });
    this.options.changed();
    const outcome = await this.command.done;
    const code = exitStatus(outcome, constants.signals);
    this.end({
      status: code === 0 ? 'succeeded' : 'failed',
      exitCode: code,
      reason: `the manager command ended: ${describeOutcome(outcome)}`,
    });
  }

  private end(outcome: RunOutcome): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.startTimer);
    this.resolve(outcome);
  }
}
