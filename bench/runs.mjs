// npm run bench -- runs
// Refresh of the Runs view (src/models/runs/runsModel.ts) over the real SDK, on a private moto server:
// 1,000 run folders in the results bucket, 980 finished (summary.json + run.json) and 20 active
// (run.json + progress.json, each with a real manager job that stays RUNNING: moto runs it as a
// Docker container of local/debian:bookworm doing `sleep 600`). Prints one JSON line:
//   first_load_ms          the first refresh: every folder listed; the newest page (RUNS_PAGE) and every
//                          active run read (the rest wait behind "Show More")
//   show_all_ms            then "Show More" until all 1,000 runs are read
//   restart_first_load_ms  the first refresh of a new session: ended runs' summaries from the cache
//   refresh_ms             median of the unchanged refreshes that follow
//   refresh_changed_ms     median of refreshes after 5 active runs' progress.json changed
//   api_calls_per_refresh  s3Calls + batchCalls of model.lastRefreshCost, mean over the unchanged refreshes
//   bytes_per_refresh      file bytes of model.lastRefreshCost (bodies read), mean over the same
//   wire_bytes_per_refresh response bytes on the wire (Content-Length, the listing's XML included)
//   discovery_calls        Batch calls a manager-job search adds (every JOB_DISCOVERY_MS; one forced)
//   *_phases_ms, *_cpu_ms  where the time goes: listing, span of the file reads, DescribeJobs; CPU of
//                          this process and of moto; moto_gets_per_s and first_load_moto_floor_ms: what
//                          moto serves at the model's read concurrency; model_only_*: the same data from memory
//   cli_refresh_ms         the peer: the same refresh by hand with the AWS CLI v2 (list the folders,
//                          `aws s3 cp` each active run's progress.json, one describe-jobs), median of 3
// Targets: first load < 2 s, refresh < 200 ms, API calls per refresh <= active + 3.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { compileTests, logger, root } from './lib/common.mjs';

const require = createRequire(import.meta.url);
const run = promisify(execFile);
const log = logger('runs');
const RUNS = Number(process.env.BENCH_RUNS || 1000);
const ACTIVE = Number(process.env.BENCH_ACTIVE || 20);
const STEADY = Number(process.env.BENCH_REFRESHES || 20);
const CHANGED_ROUNDS = 5;
const CHANGED_PER_ROUND = 5;
const PORT = Number(process.env.BENCH_MOTO_PORT || 5013);
const CLI = process.env.AWS_CLI_V2 ?? '/usr/bin/aws';
const endpoint = `http://127.0.0.1:${PORT}`;
const BUCKET = 'batch-runner-results';
const PREFIX = 'runs/';
const QUEUE = 'research-queue';
const IMAGE = 'local/debian:bookworm';
const TARGETS = { first_load_ms: 2000, refresh_ms: 200, api_calls_per_refresh: ACTIVE + 3 };
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const mean = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;
const round = (value, digits = 1) => Number(value.toFixed(digits));
const roundAll = (object) => Object.fromEntries(Object.entries(object).map(([k, v]) => [k, round(v)]));
const medianOf = (objects) =>
  Object.fromEntries(Object.keys(objects[0]).map((k) => [k, median(objects.map((o) => o[k]))]));

async function limited(items, limit, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

compileTests();
// fixture.py and anything else this process starts talk to the private moto, never to the stand-ins.
Object.assign(process.env, {
  AWS_ENDPOINT_URL: endpoint,
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_EC2_METADATA_DISABLED: 'true',
});
delete process.env.AWS_PROFILE;
delete process.env.AWS_SESSION_TOKEN;

const { S3Client, CreateBucketCommand, PutObjectCommand } = require('@aws-sdk/client-s3');
const {
  BatchClient,
  DescribeJobsCommand,
  RegisterJobDefinitionCommand,
  SubmitJobCommand,
  TerminateJobCommand,
} = require('@aws-sdk/client-batch');
const { createRunFilesApi } = require(`${root}/out/src/aws/runFilesS3.js`);
const { createBatchApi } = require(`${root}/out/src/aws/sdkBatchApi.js`);
const { describeError } = require(`${root}/out/src/shared/awsProblem.js`);
const { RunsModel, JOB_DISCOVERY_MS } = require(`${root}/out/src/models/runs/runsModel.js`);
const { ACTIVE_STATES } = require(`${root}/out/src/models/runs/runStatus.js`);
const { newRunId } = require(`${root}/out/src/config/runSpec.js`);
const { TAG_ROLE, TAG_RUN_ID, TAG_RUN_URI, ROLE_MANAGER, ENV_RUN_URI } = require(`${root}/out/src/shared/run.js`);

/** Response bytes (Content-Length) and calls of a client, counted once per SDK call (retries included). */
const wire = { bytes: 0, requests: 0 };
function countWire(client) {
  client.middlewareStack.add(
    (next) => async (args) => {
      wire.requests++;
      try {
        const out = await next(args);
        wire.bytes += Number(out.response?.headers?.['content-length'] ?? 0);
        return out;
      } catch (error) {
        wire.bytes += Number(error?.$response?.headers?.['content-length'] ?? 0);
        throw error;
      }
    },
    { step: 'build', name: 'benchWireBytes' },
  );
  return client;
}

const s3 = countWire(new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials }));
const batch = countWire(new BatchClient({ endpoint, region: 'us-east-1', credentials }));

const moto = spawn(process.env.MOTO_PYTHON ?? 'python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(PORT)], {
  stdio: 'ignore',
  env: { ...process.env, MOTO_DOCKER_NETWORK_MODE: 'host' },
});
const stopMoto = () => moto.exitCode === null && moto.signalCode === null && moto.kill('SIGTERM');
/** Manager jobs submitted here: id -> the start of their Docker container's name (moto: `<jobName>-<jobId>`). */
const managerJobs = new Map();
const ourContainers = () => {
  const names = execFileSync('docker', ['ps', '-a', '--format', '{{.Names}}'], { encoding: 'utf8' }).split('\n');
  const prefixes = [...managerJobs.values()];
  return names.filter((name) => prefixes.some((prefix) => name === prefix || name.startsWith(`${prefix}-`)));
};
/** Last resort (Ctrl-C, moto gone): remove the containers of our own jobs, by name. */
const removeContainersNow = () => {
  try {
    const left = ourContainers();
    if (left.length) execFileSync('docker', ['rm', '-f', ...left], { stdio: 'ignore' });
  } catch {
    // docker not reachable: nothing we can do here
  }
};
process.on('exit', stopMoto);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    removeContainersNow();
    stopMoto();
    process.exit(130);
  });
}

let exitCode = 0;
let containersLeft;
try {
  for (let i = 0; ; i++) {
    if (moto.exitCode !== null) throw new Error(`moto exited (${moto.exitCode}); is port ${PORT} free?`);
    if (
      await fetch(`${endpoint}/moto-api/`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 100) throw new Error('moto did not start');
    await sleep(200);
  }
  // Manager jobs must run as real containers and stay RUNNING: keep moto's Docker mode on.
  await fetch(`${endpoint}/moto-api/config`, { method: 'POST', body: JSON.stringify({ batch: { use_docker: true } }) });
  execFileSync(process.env.MOTO_PYTHON ?? 'python3', ['scripts/fixture.py', 'apply'], {
    cwd: root,
    env: process.env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET })).catch((error) => {
    if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
  });

  // ---- the runs: newest first are the active ones, each a minute apart; finished ones 10 min apart ----
  const now = Date.now();
  const iso = (ms) => new Date(ms).toISOString();
  const runs = Array.from({ length: RUNS }, (_, i) => {
    const createdAt = i < ACTIVE ? now - (i + 1) * 60_000 : now - ACTIVE * 60_000 - (i - ACTIVE + 1) * 600_000;
    const runId = newRunId('bench', new Date(createdAt), randomBytes(3).toString('hex'));
    return { runId, createdAt, active: i < ACTIVE, runUri: `s3://${BUCKET}/${PREFIX}${runId}/` };
  });
  if (new Set(runs.map((r) => r.runId)).size !== RUNS) throw new Error('run ids are not distinct');
  const active = runs.filter((r) => r.active);

  // The manager jobs: named after the run id and tagged as Submit does, so job discovery knows them.
  const definition = await batch.send(
    new RegisterJobDefinitionCommand({
      jobDefinitionName: 'runs-bench-manager',
      type: 'container',
      containerProperties: { image: IMAGE, command: ['sleep', '600'], vcpus: 1, memory: 128 },
    }),
  );
  for (const r of active) {
    const out = await batch.send(
      new SubmitJobCommand({
        jobName: r.runId,
        jobQueue: QUEUE,
        jobDefinition: definition.jobDefinitionArn,
        tags: { [TAG_RUN_ID]: r.runId, [TAG_ROLE]: ROLE_MANAGER, [TAG_RUN_URI]: r.runUri },
        containerOverrides: { environment: [{ name: ENV_RUN_URI, value: r.runUri }] },
      }),
    );
    r.managerJobId = out.jobId;
    managerJobs.set(out.jobId, `${r.runId}-${out.jobId}`);
  }
  const t0 = performance.now();
  for (;;) {
    const jobs = (await batch.send(new DescribeJobsCommand({ jobs: [...managerJobs.keys()] }))).jobs ?? [];
    const ended = jobs.filter((job) => job.status === 'SUCCEEDED' || job.status === 'FAILED');
    if (ended.length) throw new Error(`manager job ${ended[0].jobName} ended ${ended[0].status} (is Docker usable?)`);
    if (jobs.length === ACTIVE && jobs.every((job) => job.status === 'RUNNING')) break;
    if (performance.now() - t0 > 120_000) throw new Error('the manager jobs did not reach RUNNING in 2 minutes');
    await sleep(500);
  }
  while (ourContainers().length < ACTIVE) {
    if (performance.now() - t0 > 120_000) throw new Error(`only ${ourContainers().length} manager containers run`);
    await sleep(500);
  }
  log(`${ACTIVE} manager jobs RUNNING, in containers, after ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const spec = (r) => ({
    name: 'bench',
    runId: r.runId,
    tasks: { command: ['python3', 'task.py', '${index}'], count: 200, retries: 1 },
    workers: { min: 1, max: 8 },
  });
  const progress = (r, succeeded) => ({
    runId: r.runId,
    name: 'bench',
    mode: 'tasks',
    state: 'running',
    manager: '10.0.0.1:7077',
    managerJobId: r.managerJobId,
    startedAt: iso(r.createdAt + 30_000),
    updatedAt: new Date().toISOString(),
    workers: { min: 1, max: 8, connected: 8, everConnected: 8, launch: { running: 8 } },
    tasks: { total: 200, queued: 200 - succeeded - 8, running: 8, succeeded, failed: 0, retried: 0 },
  });
  const summary = (r, i) => {
    const failed = i % 10 === 0 ? 3 : 0;
    const startedAt = r.createdAt + 30_000;
    const finishedAt = startedAt + 300_000 + (i % 7) * 60_000;
    return {
      runId: r.runId,
      name: 'bench',
      mode: 'tasks',
      status: failed ? 'failed' : 'succeeded',
      exitCode: failed ? 1 : 0,
      ...(failed ? { reason: `${failed} of 200 tasks failed` } : {}),
      startedAt: iso(startedAt),
      finishedAt: iso(finishedAt),
      durationSeconds: (finishedAt - startedAt) / 1000,
      tasks: { total: 200, queued: 0, running: 0, succeeded: 200 - failed, failed, retried: failed },
      ...(failed
        ? {
            failures: Array.from({ length: failed }, (_, k) => ({
              index: 17 * k + (i % 17),
              attempts: 2,
              reason: `exit code 1: ValueError: bad input row ${k}`,
            })),
          }
        : {}),
      timing: { firstTaskAt: iso(startedAt + 5_000), lastTaskAt: iso(finishedAt - 1_000) },
      workers: { min: 1, max: 8, everConnected: 8 },
      droppedConnections: 0,
      usage: { managerSeconds: (finishedAt - startedAt) / 1000, workerSeconds: (8 * (finishedAt - startedAt)) / 1000 },
    };
  };
  /** What was put, for the in-memory run of the model (its own time, without moto). */
  const objects = new Map();
  const put = (r, name, body) => {
    const key = `${PREFIX}${r.runId}/${name}`;
    const text = JSON.stringify(body, null, 2) + '\n';
    objects.set(key, { text, etag: `"${createHash('md5').update(text).digest('hex')}"` });
    return s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: text, ContentType: 'application/json' }));
  };
  const puts = [];
  runs.forEach((r, i) => {
    puts.push(() => put(r, 'run.json', spec(r)));
    puts.push(() => (r.active ? put(r, 'progress.json', progress(r, 20 + i)) : put(r, 'summary.json', summary(r, i))));
  });
  const seedStart = performance.now();
  await limited(puts, 32, (thunk) => thunk());
  log(`seeded ${puts.length} objects in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

  // ---- the model, as the extension builds it, with its Batch calls counted by operation ----
  // Where a refresh's time goes: the listing, the span of the file reads, DescribeJobs of the managers.
  let phases;
  const resetPhases = () => (phases = { list: 0, readsFrom: Infinity, readsTo: -Infinity, describeJobs: 0 });
  resetPhases();
  const timed = async (call, done) => {
    const start = performance.now();
    try {
      return await call();
    } finally {
      done(start, performance.now());
    }
  };
  const batchApi = createBatchApi(batch);
  const byOperation = new Map();
  const countedBatch = new Proxy(batchApi, {
    get(target, property) {
      const value = target[property];
      if (typeof value !== 'function') return value;
      return (...args) => {
        byOperation.set(property, (byOperation.get(property) ?? 0) + 1);
        return timed(
          () => value.apply(target, args),
          (from, to) => property === 'describeJobs' && (phases.describeJobs += to - from),
        );
      };
    },
  });
  const filesApi = createRunFilesApi(s3);
  const timedFiles = {
    ...filesApi,
    listFolders: (...args) =>
      timed(
        () => filesApi.listFolders(...args),
        (from, to) => (phases.list += to - from),
      ),
    read: (...args) =>
      timed(
        () => filesApi.read(...args),
        (from, to) => {
          phases.readsFrom = Math.min(phases.readsFrom, from);
          phases.readsTo = Math.max(phases.readsTo, to);
        },
      ),
  };
  const clockTick = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  /** CPU time of the moto server process (all its threads, the Docker job watchers included). */
  const motoCpuMs = () => {
    const fields = readFileSync(`/proc/${moto.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTick;
  };
  // Ended runs' summaries, kept as the extension keeps them across sessions (a file in global storage).
  const cached = new Map();
  const summaryCache = {
    get: (uri) => cached.get(uri),
    set: (uri, text) => void cached.set(uri, text),
    delete: (uri) => void cached.delete(uri),
  };
  const newModel = () =>
    new RunsModel({
      batch: countedBatch,
      files: async () => timedFiles,
      locations: async () => [`s3://${BUCKET}/${PREFIX}`],
      explain: (error) => describeError(error, 'refresh the Runs view'),
      summaryCache,
    });
  let model = newModel();
  const discoveryOps = () => (byOperation.get('describeJobQueues') ?? 0) + (byOperation.get('listJobs') ?? 0);
  const measure = async (discover = false) => {
    byOperation.clear();
    resetPhases();
    const wireBefore = wire.bytes;
    const cpuBefore = process.cpuUsage();
    const motoBefore = motoCpuMs();
    const start = performance.now();
    await model.refresh(discover);
    const ms = performance.now() - start;
    const cpu = process.cpuUsage(cpuBefore);
    if (model.problem) throw new Error(`the Runs view shows a problem: ${model.problem.message}`);
    const cost = model.lastRefreshCost;
    return {
      ms,
      calls: cost.s3Calls + cost.batchCalls,
      s3Calls: cost.s3Calls,
      batchCalls: cost.batchCalls,
      bytes: cost.bytes,
      wireBytes: wire.bytes - wireBefore,
      discovery: discoveryOps() > 0,
      nodeCpuMs: (cpu.user + cpu.system) / 1000,
      motoCpuMs: motoCpuMs() - motoBefore,
      phases: {
        list_ms: phases.list,
        reads_ms: phases.readsTo > phases.readsFrom ? phases.readsTo - phases.readsFrom : 0,
        describe_jobs_ms: phases.describeJobs,
      },
    };
  };
  const check = (what) => {
    const shown = model.runs();
    const activeShown = shown.filter((status) => ACTIVE_STATES.has(status.state)).length;
    // The view shows the newest RUNS_PAGE runs and every active one; the rest wait behind "Show More".
    if (shown.length + model.hiddenCount !== RUNS || activeShown !== ACTIVE) {
      const states = {};
      for (const status of shown) states[status.state] = (states[status.state] ?? 0) + 1;
      throw new Error(`${what}: the model shows ${shown.length} runs, ${activeShown} active ${JSON.stringify(states)}`);
    }
  };

  const first = await measure();
  check('first load');
  log(`first load ${first.ms.toFixed(0)} ms, ${first.s3Calls} S3 + ${first.batchCalls} Batch calls`);

  const steady = [];
  for (let i = 0; i < STEADY; i++) steady.push(await measure());
  check('unchanged refreshes');

  const changed = [];
  for (let round = 0; round < CHANGED_ROUNDS; round++) {
    const picked = Array.from(
      { length: CHANGED_PER_ROUND },
      (_, k) => active[(round * CHANGED_PER_ROUND + k) % ACTIVE],
    );
    const succeeded = 100 + round;
    await Promise.all(picked.map((r) => put(r, 'progress.json', progress(r, succeeded))));
    changed.push(await measure());
    for (const r of picked) {
      const seen = model.get(r.runUri)?.tasks?.succeeded;
      if (seen !== succeeded) throw new Error(`${r.runId}: the model shows ${seen} tasks succeeded, not ${succeeded}`);
    }
  }
  check('changed refreshes');

  // One refresh with the manager-job search (the model does it every JOB_DISCOVERY_MS by itself).
  const discovery = await measure(true);
  check('discovery refresh');
  const rssMb = process.memoryUsage().rss / 2 ** 20;

  // Every page ("Show More" until nothing is hidden): what reading all 1,000 runs costs.
  const shownAtFirst = model.runs().length;
  const allStart = performance.now();
  while (model.hiddenCount > 0) await model.showMore();
  const showAllMs = performance.now() - allStart;
  check('every page shown');
  // A new session (VS Code restarted): the summaries of ended runs come from the cache.
  model = newModel();
  const restart = await measure();
  check('first load of a new session');
  while (model.hiddenCount > 0) await model.showMore();
  check('every page shown, new session');

  // What moto itself serves: GetObject at the model's concurrency (16), the floor of a first load here.
  const probeKeys = runs.filter((r) => !r.active).slice(0, 320);
  const probeStart = performance.now();
  await limited(probeKeys, 16, (r) => filesApi.read(`s3://${BUCKET}/${PREFIX}${r.runId}/summary.json`));
  const motoGetsPerS = probeKeys.length / ((performance.now() - probeStart) / 1000);

  // The model's own time: the same files and jobs served from memory.
  const queues = await batchApi.describeJobQueues();
  const jobsByQueue = new Map();
  for (const queue of queues)
    jobsByQueue.set(queue.jobQueueName, await batchApi.listJobs({ jobQueue: queue.jobQueueName }));
  const details = new Map((await batchApi.describeJobs(active.map((r) => r.managerJobId))).map((j) => [j.jobId, j]));
  const keyOf = (uri) => uri.slice(`s3://${BUCKET}/`.length);
  const memoryFiles = {
    listFolders: async (uri) => [
      ...new Set(
        [...objects.keys()]
          .filter((k) => k.startsWith(keyOf(uri)))
          .map((k) => k.slice(keyOf(uri).length).split('/')[0]),
      ),
    ],
    read: async (uri, ifNoneMatch) => {
      const object = objects.get(keyOf(uri));
      if (!object) return { kind: 'missing' };
      return object.etag === ifNoneMatch ? { kind: 'notModified' } : { kind: 'found', ...object };
    },
  };
  const memoryModel = new RunsModel({
    batch: {
      describeJobQueues: async () => queues,
      listJobs: async (scope) => jobsByQueue.get(scope.jobQueue) ?? [],
      describeJobs: async (ids) => ids.map((id) => details.get(id)).filter(Boolean),
    },
    files: async () => memoryFiles,
    locations: async () => [`s3://${BUCKET}/${PREFIX}`],
    explain: (error) => describeError(error, 'refresh the Runs view'),
  });
  let memoryStart = performance.now();
  await memoryModel.refresh();
  const memoryFirstMs = performance.now() - memoryStart;
  if (memoryModel.runs().length + memoryModel.hiddenCount !== RUNS)
    throw new Error(`in memory: ${memoryModel.runs().length} runs`);
  const memoryRefreshes = [];
  for (let i = 0; i < STEADY; i++) {
    memoryStart = performance.now();
    await memoryModel.refresh();
    memoryRefreshes.push(performance.now() - memoryStart);
  }
  const steadyDiscoveries = steady.filter((m) => m.discovery).length;
  log(
    `refresh median ${median(steady.map((m) => m.ms)).toFixed(1)} ms; ` +
      `calls ${steady[0].s3Calls} S3 + ${steady[0].batchCalls} Batch; discovery refresh ${discovery.calls} calls`,
  );

  // ---- the peer: the same refresh by hand with the AWS CLI v2 ----
  const cliEnv = {
    ...process.env,
    AWS_PAGER: '',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
  delete cliEnv.AWS_ENDPOINT_URL;
  const aws = (...args) =>
    run(CLI, ['--endpoint-url', endpoint, '--output', 'json', ...args], { env: cliEnv, maxBuffer: 64 * 2 ** 20 });
  const cliVersion = (await aws('--version')).stdout.trim().split(/\s+/)[0].replace('aws-cli/', '');
  const cliTimes = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    const listing = JSON.parse(
      (await aws('s3api', 'list-objects-v2', '--bucket', BUCKET, '--prefix', PREFIX, '--delimiter', '/')).stdout,
    );
    for (const r of active) await aws('s3', 'cp', `s3://${BUCKET}/${PREFIX}${r.runId}/progress.json`, '-');
    const jobs = JSON.parse(
      (await aws('batch', 'describe-jobs', '--jobs', ...active.map((r) => r.managerJobId))).stdout,
    );
    cliTimes.push(performance.now() - start);
    if (listing.CommonPrefixes?.length !== RUNS || jobs.jobs?.length !== ACTIVE)
      throw new Error(`the CLI saw ${listing.CommonPrefixes?.length} folders and ${jobs.jobs?.length} jobs`);
  }
  log(`CLI refresh ${cliTimes.map((ms) => ms.toFixed(0)).join(', ')} ms`);

  const refreshMs = median(steady.map((m) => m.ms));
  const apiCalls = mean(steady.map((m) => m.calls));
  const cliRefreshMs = median(cliTimes);
  const result = {
    bench: 'runs',
    runs: model.runs().length,
    active: model.runs().filter((status) => ACTIVE_STATES.has(status.state)).length,
    first_load_ms: round(first.ms),
    shown_at_first: shownAtFirst,
    show_all_ms: round(showAllMs),
    restart_first_load_ms: round(restart.ms),
    restart_first_load_calls: restart.calls,
    first_load_calls: first.calls,
    first_load_phases_ms: roundAll(first.phases),
    first_load_node_cpu_ms: round(first.nodeCpuMs),
    first_load_moto_cpu_ms: round(first.motoCpuMs),
    moto_gets_per_s: round(motoGetsPerS, 0),
    first_load_moto_floor_ms: round((first.s3Calls / motoGetsPerS) * 1000),
    model_only_first_load_ms: round(memoryFirstMs),
    model_only_refresh_ms: round(median(memoryRefreshes), 2),
    refresh_ms: round(refreshMs),
    refresh_p90_ms: round([...steady.map((m) => m.ms)].sort((a, b) => a - b)[Math.floor(steady.length * 0.9)]),
    refresh_changed_ms: round(median(changed.map((m) => m.ms))),
    refreshes: steady.length,
    refresh_phases_ms: roundAll(medianOf(steady.map((m) => m.phases))),
    refresh_node_cpu_ms: round(median(steady.map((m) => m.nodeCpuMs))),
    refresh_moto_cpu_ms: round(median(steady.map((m) => m.motoCpuMs))),
    api_calls_per_refresh: round(apiCalls, 2),
    s3_calls_per_refresh: round(mean(steady.map((m) => m.s3Calls)), 2),
    batch_calls_per_refresh: round(mean(steady.map((m) => m.batchCalls)), 2),
    api_calls_per_changed_refresh: round(mean(changed.map((m) => m.calls)), 2),
    bytes_per_refresh: round(mean(steady.map((m) => m.bytes)), 0),
    bytes_per_changed_refresh: round(mean(changed.map((m) => m.bytes)), 0),
    wire_bytes_per_refresh: round(mean(steady.map((m) => m.wireBytes)), 0),
    discoveries_in_refreshes: steadyDiscoveries,
    discovery_calls: discovery.calls - apiCalls,
    discovery_refresh_ms: round(discovery.ms),
    job_discovery_every_ms: JOB_DISCOVERY_MS,
    rss_mb: round(rssMb),
    peer: `aws-cli ${cliVersion}`,
    cli_refresh_ms: round(cliRefreshMs),
    refresh_ratio: round(refreshMs / cliRefreshMs, 4),
    targets: TARGETS,
    targets_met: {
      first_load_ms: first.ms < TARGETS.first_load_ms,
      refresh_ms: refreshMs < TARGETS.refresh_ms,
      api_calls_per_refresh: apiCalls <= TARGETS.api_calls_per_refresh,
    },
  };

  // ---- cleanup: the manager jobs end, their containers go ----
  containersLeft = await stopManagers();
  result.containers_left = containersLeft;
  console.log(JSON.stringify(result));
  if (containersLeft) exitCode = 1;
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  if (containersLeft === undefined) await stopManagers().catch((error) => console.error(error));
  s3.destroy();
  batch.destroy();
  stopMoto();
}
process.exit(exitCode);

/** TerminateJob for every manager job, then waits for moto to remove their containers. */
async function stopManagers() {
  if (managerJobs.size === 0) return 0;
  await Promise.all(
    [...managerJobs.keys()].map((jobId) =>
      batch.send(new TerminateJobCommand({ jobId, reason: 'runs benchmark done' })).catch((error) => {
        log(`TerminateJob ${jobId}: ${error.message}`);
      }),
    ),
  );
  const deadline = Date.now() + 60_000;
  let left = ourContainers();
  while (left.length && Date.now() < deadline) {
    await sleep(500);
    left = ourContainers();
  }
  if (left.length) {
    log(`${left.length} manager containers still there after TerminateJob: removing them`);
    removeContainersNow();
  } else log(`all ${managerJobs.size} manager containers are gone`);
  return left.length;
}
