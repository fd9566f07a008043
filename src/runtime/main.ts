// The runtime that runs inside the job containers: `node runtime.js manager|worker|local`. Plain
// Node 22, no vscode; bundled by esbuild into the single file dist/runtime.js.
//
// Contracts with the extension (Submit command, Jobs view) — keep them stable:
//  * The manager job's environment holds BATCH_RUNNER_RUN_URI: the run's store location,
//    `s3://bucket/prefix/<runId>/` or a folder path for local runs. Submit writes run.json there
//    before it submits the manager (type RunSpec in ./runSpec.ts).
//  * The run secret: the manager creates 32 random bytes and writes them as 64 hex characters to
//    `<run>/secret` when absent; workers read it from the store. Never on a command line, in a job's
//    environment or in a log line.
//  * Worker jobs: one array job (one job for one worker) named `<managerJobName>-workers` (cut to
//    128 characters), on the manager's queue and job definition, tagged (./tags.ts)
//    batch-runner:run-id = runId, batch-runner:role = worker, batch-runner:manager-job-id = the
//    manager's AWS_BATCH_JOB_ID. Submit tags the manager with batch-runner:run-id and
//    batch-runner:role = manager.
//  * Store layout (./store/store.ts): run.json, secret, tasks/<i>/..., progress.json, summary.json,
//    results.jsonl (one line {"index":i,"output":<output.json>} per task that wrote one, by index).
//    progress.json and summary.json have the types RunProgress and RunSummary in ./runFiles.ts:
//    progress.json carries `seq` (1, 2, ... one per write, the final one included), `state`,
//    `managerJobId` and `workerJobId` (in Batch), `failures` (tasks failed for good so far, at most
//    100, each {index, attempts, exitCode, reason, tail?}: tail = the last lines of the last
//    attempt's output, at most 20 lines and 2 KB) and `usage` {managerSeconds, workerSeconds,
//    vcpus?, gpus?, memoryMiB?} (job seconds so far; worker figures refreshed at most every 30 s in
//    Batch). summary.json has the same `failures` and `usage` (final figures). Every ending the
//    manager sees writes summary.json: a cancelled run (SIGTERM/SIGINT) writes it at once, before
//    stopping its workers, and again with the final figures; an unexpected error writes a
//    `failed` one. progress.json's last write has the final `state` and `exitCode`.
//  * Worker jobs of a run end SUCCEEDED when it succeeds: at the end the manager keeps listening
//    while started workers get a grace period to exit when told `shutdown` (exit code 0); only
//    those still alive after it, and jobs that never started, are terminated.
//    With `--launcher none` (workers started by someone else: Run Locally) the manager instead keeps
//    listening up to that grace for the run.json `workers` that have not connected yet, and tells
//    each one that connects late to shut down.
//  * Tasks get TASK_INDEX, TASK_ATTEMPT, TASK_OUTPUT_DIR, TASK_INPUT (inputs runs), BATCH_RUN_ID and
//    run.json's environment; cluster commands get BATCH_MANAGER_HOST, BATCH_WORKER_HOST(S),
//    BATCH_WORKER_INDEX, BATCH_WORKER_COUNT and BATCH_WORKER_HOSTFILE.
//  * Exit codes: see ./exitCodes.ts and `node runtime.js --help`.
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { discoverAddress, parseHostPort } from './address';
import { createBatchClient } from './aws';
import { EXIT, EXIT_CODE_HELP, UsageError } from './exitCodes';
import { BatchLauncher } from './launch/batchLauncher';
import type { Launcher } from './launch/launcher';
import { ProcessLauncher } from './launch/processLauncher';
import { createLog, describeError } from './log';
import type { RunOutcome } from './manager/controller';
import { runManager } from './manager/manager';
import { killAllNow } from './processes';
import { RunSpecError, parseRuntime, type RuntimeSpec } from './runSpec';
import { ENV, SettingsError, readSettings, withRunSettings } from './settings';
import { KEYS, readJson, type RunStore } from './store/store';
import { openStore } from './store/openStore';
import { probeReport } from './probe';
import { VERSION } from './version';
import { Worker } from './worker/worker';

export { connectToManager } from './worker/link';
export { VERSION } from './version';

const USAGE = `AWS Batch Runner runtime ${VERSION}

usage:
  node runtime.js manager [--launcher batch|local|none] [--workers N]
      Coordinate the run stored at $${ENV.runUri}. The launcher defaults to "batch" inside an
      AWS Batch job ($AWS_BATCH_JOB_ID set): the workers become one array job on the manager's queue.
      "local" starts N worker processes here; "none" waits for workers started by someone else.
  node runtime.js worker --manager HOST:PORT [--run URI] [--index N] [--noop | --noop-output]
      Serve the manager at HOST:PORT. The run store is --run or $${ENV.runUri}; the run secret is
      read from there. --noop (for benchmarks) completes every task at once without running it;
      --noop-output does so with an output.json of {"index": i, "input": <its input>}.
  node runtime.js local [--workers N] RUN_DIR
      A manager and N worker processes on this machine, for a run folder holding run.json.
  node runtime.js --help | --version

Cluster mode (aws-batch.json's "cluster": manager, worker, minWorkers, workerPort, ready):
  Each worker runs the worker command with BATCH_MANAGER_HOST (the manager's address),
  BATCH_WORKER_HOST (its own), BATCH_WORKER_INDEX (0..n-1), BATCH_WORKER_COUNT, BATCH_WORKER_PORT
  (cluster.workerPort, when set) and BATCH_WORKER_READY_FILE. A worker is ready when
  BATCH_WORKER_PORT accepts connections (ready "port", the default with a workerPort), when its
  command has created BATCH_WORKER_READY_FILE (ready "file"), or once it started (ready "spawned",
  the default otherwise). When every worker is ready the manager runs the manager command with:
    BATCH_WORKER_HOSTS      the workers' addresses, comma-separated, in BATCH_WORKER_INDEX order:
                            10.0.1.5,10.0.1.6 (IPv6 addresses as they are, without brackets)
    BATCH_WORKER_ADDRESSES  with a workerPort: host:port, comma-separated ([v6]:port for IPv6)
    BATCH_WORKER_HOSTFILE   a file with one address per line in the same order, without slot
                            counts: mpirun --hostfile $BATCH_WORKER_HOSTFILE --map-by node puts one
                            rank on each worker (without --map-by node, Open MPI fills the first
                            host's cores first)
    BATCH_WORKER_COUNT, BATCH_MANAGER_HOST
  Its exit ends the run (and is the run's exit code); then every worker is stopped.

Settings: run.json's "runtime" section (aws-batch.json's "runtime": managerTimeoutSeconds,
heartbeatSeconds, killGraceSeconds, handshakeSeconds, port) sets them for a run, the manager and
its workers alike; an environment variable below wins over it.

Environment (all optional except the run location):
  ${ENV.runUri}  the run store: s3://bucket/prefix/<runId>/ or a folder
  ${ENV.heartbeat}=5   ${ENV.managerTimeout}=60   ${ENV.handshake}=10
  ${ENV.progress}=2   ${ENV.killGrace}=5   ${ENV.overdueGrace}=900
  ${ENV.port}=0 (any free port)   ${ENV.advertise} (else ECS metadata, else a network interface)
  ${ENV.bind} (default: the advertised address)
  ${ENV.dropLog}=60 (connections dropped before they authenticate: one log line, then a summary
      at most this often)   ${ENV.maxHandshakes}=4096 (connections in their handshake at once;
      beyond it the oldest is dropped)
  ${ENV.prefetch} (worker: tasks it holds beyond one per slot, so the next one is at hand; default:
      adaptive, about 40 ms of work per slot, 1 to 64 tasks per slot)
  AWS_REGION, AWS_ENDPOINT_URL and the SDK's usual credential sources.

${EXIT_CODE_HELP}
`;

type Options = Record<string, string | true>;

function parseArgs(args: string[], valued: string[], flags: string[] = []): { options: Options; rest: string[] } {
  const options: Options = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) {
      rest.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (flags.includes(name)) options[name] = true;
    else if (valued.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      options[name] = value;
    } else throw new UsageError(`unknown option --${name}`);
  }
  return { options, rest };
}

function positiveInt(value: string | true | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a whole number of at least 1`);
  return n;
}

/** Resolves with the outcome of the first SIGINT/SIGTERM; a second signal exits at once. */
function onSignals(): Promise<RunOutcome & { signal: NodeJS.Signals }> {
  return new Promise((resolve) => {
    let seen = false;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.on(signal, () => {
        if (seen) process.exit(signal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated);
        seen = true;
        resolve({
          status: 'cancelled',
          exitCode: signal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated,
          reason: `the manager received ${signal}`,
          signal,
        });
      });
    }
  });
}

function runtimeCommand(): string[] {
  return [process.execPath, resolve(process.argv[1])];
}

async function manager(args: string[], local: boolean): Promise<number> {
  const { options, rest } = parseArgs(args, ['launcher', 'workers']);
  const workers = positiveInt(options.workers, 'workers');
  let runUri = process.env[ENV.runUri];
  if (local) {
    if (rest.length !== 1) throw new UsageError('local needs exactly one run folder');
    runUri = resolve(rest[0]);
  } else if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  if (!runUri) throw new UsageError(`${ENV.runUri} is not set (where is the run's run.json?)`);

  const jobId = process.env.AWS_BATCH_JOB_ID;
  const kind = local ? 'local' : (options.launcher ?? (jobId ? 'batch' : undefined));
  if (kind === undefined) throw new UsageError('not inside an AWS Batch job: use --launcher local|none, or `local`');
  if (!['batch', 'local', 'none'].includes(String(kind))) throw new UsageError(`unknown launcher "${kind}"`);
  if (kind === 'batch' && !jobId)
    throw new UsageError('--launcher batch needs AWS_BATCH_JOB_ID (run it as a Batch job)');

  const log = createLog('manager');
  const settings = readSettings();
  const store = await openStore(runUri);
  const launcher = async (spec: { runId: string }): Promise<Launcher> =>
    kind === 'batch'
      ? new BatchLauncher({
          batch: await createBatchClient(),
          managerJobId: jobId!,
          runId: spec.runId,
          storeUri: runUri,
          runtime: runtimeCommand(),
          log,
        })
      : new ProcessLauncher(runtimeCommand(), runUri, log);
  try {
    return await runManager({
      store,
      settings,
      log,
      launcher: kind === 'none' ? undefined : launcher,
      awaitLateWorkers: kind === 'none',
      workers,
      loopback: kind === 'local',
      interrupted: onSignals(),
      managerJobId: jobId,
    });
  } finally {
    store.close();
  }
}

async function worker(args: string[]): Promise<number> {
  const { options, rest } = parseArgs(args, ['manager', 'run', 'index'], ['noop', 'noop-output']);
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  const target = typeof options.manager === 'string' ? parseHostPort(options.manager) : undefined;
  if (!target) throw new UsageError('worker needs --manager HOST:PORT');
  const runUri = typeof options.run === 'string' ? options.run : process.env[ENV.runUri];
  if (!runUri) throw new UsageError(`worker needs --run URI or ${ENV.runUri}`);
  const envSettings = readSettings();

  const jobId = process.env.AWS_BATCH_JOB_ID;
  // Batch sets AWS_BATCH_JOB_ARRAY_INDEX; an array child's job ID ends in ":<index>" as well.
  const arrayIndex =
    process.env.AWS_BATCH_JOB_ARRAY_INDEX ?? (jobId?.includes(':') ? jobId.split(':').pop() : undefined);
  const index = typeof options.index === 'string' ? options.index : undefined;
  const label = index ?? arrayIndex ?? '0';
  const workerId = index !== undefined && !jobId ? `local-${index}` : (jobId ?? `${hostname()}-${process.pid}`);
  const log = createLog(`worker ${label}`);
  const store = await openStore(runUri);
  const settings = withRunSettings(envSettings, await readRuntimeSpec(store, log));
  const { address } = await discoverAddress(settings.advertiseAddress);
  const running = new Worker({
    host: target.host,
    port: target.port,
    store,
    identity: { workerId, label, address },
    settings,
    log,
    noop: options.noop === true || options['noop-output'] === true,
    noopOutput: options['noop-output'] === true,
  });
  void onSignals().then(({ signal, exitCode }) => running.finish(exitCode, `received ${signal}`));
  return running.run();
}

/** A worker's view of run.json: only its `runtime` section, and only if it can be read and is sound. */
async function readRuntimeSpec(store: RunStore, log: (line: string) => void): Promise<RuntimeSpec | undefined> {
  try {
    const spec = (await readJson(store, KEYS.spec)) as { runtime?: unknown } | undefined;
    return spec?.runtime === undefined ? undefined : parseRuntime(spec.runtime);
  } catch (error) {
    log(`run.json's runtime settings are not used: ${describeError(error)}`);
    return undefined;
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'manager':
        return await manager(args, false);
      case 'local':
        return await manager(args, true);
      case 'worker':
        return await worker(args);
      case '--version':
      case 'version':
        process.stdout.write(`aws-batch-runner runtime ${VERSION}\n`);
        return EXIT.ok;
      case 'probe':
        process.stdout.write(probeReport());
        return EXIT.ok;
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(USAGE);
        return EXIT.ok;
      default:
        process.stderr.write(USAGE);
        if (command) process.stderr.write(`\nerror: unknown command "${command}"\n`);
        return EXIT.usage;
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof RunSpecError || error instanceof SettingsError) {
      process.stderr.write(`error: ${error.message}\n${whatToDo(error.message)}\n`);
      return EXIT.usage;
    }
    process.stderr.write(
      `internal error: ${error instanceof Error ? (error.stack ?? error.message) : describeError(error)}\n`,
    );
    return EXIT.internal;
  }
}

if (require.main === module) {
  // Whatever ends the process, no task or command it started outlives it.
  process.on('exit', killAllNow);
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}

/**
 * The last line of a manager or worker that stopped on its environment: what to set and where, in
 * the words of aws-batch.json (the job's log is read in VS Code, not next to a shell).
 */
export function whatToDo(message: string): string {
  if (/region is missing/i.test(message)) {
    return 'Set AWS_REGION in aws-batch.json "environment" (AWS Batch sets it on AWS; a custom endpoint such as a stand-in needs it), then submit again.';
  }
  if (/could not load credentials|credential/i.test(message)) {
    return 'Give the job a role: aws-batch.json "jobRoleArn", a role that may read and write the results bucket (on a stand-in: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in "environment").';
  }
  if (/access ?denied|forbidden|403/i.test(message)) {
    return 'The job role (aws-batch.json "jobRoleArn") needs s3:GetObject, s3:PutObject and s3:ListBucket on the results prefix, and the manager batch:SubmitJob, DescribeJobs, ListJobs and TerminateJob.';
  }
  if (/ENOTFOUND|ECONNREFUSED|getaddrinfo/i.test(message)) {
    return 'The container cannot reach the endpoint: check AWS_ENDPOINT_URL in aws-batch.json "environment" and the network of the compute environment.';
  }
  return 'Fix it in aws-batch.json ("environment" for variables, "runtime" for the runtime\'s timeouts and port); `node runtime.js --help` lists every setting.';
}
