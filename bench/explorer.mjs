// npm run bench -- explorer
// Refresh of the Jobs view for a queue holding 10,000 jobs, on a private moto server (Batch without
// Docker, so jobs are created fast and nothing disturbs the shared stand-ins). Prints one JSON line:
//   model_build_ms  building the tree from data already fetched (first build, then an unchanged refresh)
//   api_calls       Batch calls of one refresh of the expanded queue through the real source
//   rss_mb          resident memory of this process after the build
// Targets: model build under 1 s; api calls at most ceil(jobs/1000) + 7. No peer: the JSON names the
// moto it ran on. moto runs with MOTO_PYTHON (npm run bench sets it to the Python backend.sh installed
// moto into), else python3.
// Note: moto returns every ListJobs result in one page and finishes Docker-less jobs at once, so
// its jobs are all SUCCEEDED and api_calls shows no paging; test/unit/batchJobs.test.ts covers paging.
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { compileTests, logger, root } from './lib/common.mjs';
import { motoStandIn } from './lib/peers.mjs';

const require = createRequire(import.meta.url);
const JOBS = Number(process.env.BENCH_JOBS || 10000);
const PORT = Number(process.env.BENCH_MOTO_PORT || 5012);
const endpoint = `http://127.0.0.1:${PORT}`;
const log = logger('explorer');
const PYTHON = process.env.MOTO_PYTHON ?? 'python3';

compileTests();
Object.assign(process.env, {
  AWS_ENDPOINT_URL: endpoint,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_EC2_METADATA_DISABLED: 'true',
});

const moto = spawn(PYTHON, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(PORT)], { stdio: 'ignore' });
const stopMoto = () => moto.exitCode === null && moto.kill('SIGTERM');
process.on('exit', stopMoto);
try {
  for (let i = 0; ; i++) {
    if (
      await fetch(`${endpoint}/moto-api/`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 100) throw new Error('moto did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  await fetch(`${endpoint}/moto-api/config`, {
    method: 'POST',
    body: JSON.stringify({ batch: { use_docker: false } }),
  });
  execFileSync(PYTHON, ['scripts/fixture.py', 'apply'], {
    cwd: root,
    env: process.env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });

  const { BatchClient, RegisterJobDefinitionCommand, SubmitJobCommand } = require('@aws-sdk/client-batch');
  const batch = new BatchClient({});
  const definition = await batch.send(
    new RegisterJobDefinitionCommand({
      jobDefinitionName: 'explorer-bench',
      type: 'container',
      containerProperties: { image: 'local/busybox:latest', command: ['true'], vcpus: 1, memory: 128 },
    }),
  );
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < JOBS) {
        const i = next++;
        await batch.send(
          new SubmitJobCommand({
            jobName: `bench-${i}`,
            jobQueue: 'research-queue',
            jobDefinition: definition.jobDefinitionArn,
          }),
        );
      }
    }),
  );
  log(`submitted ${JOBS} jobs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const { createAwsClients } = require(`${root}/out/src/aws/clients.js`);
  const { explainAwsError } = require(`${root}/out/src/shared/awsProblem.js`);
  const { JobsTreeModel } = require(`${root}/out/src/models/jobsModel.js`);
  const clients = await createAwsClients({});
  const explain = (e) => explainAwsError(e, 'bench');

  // 1. One refresh of the expanded queue through the extension's BatchApi: API calls.
  const live = new JobsTreeModel(clients.batch, explain);
  await live.refresh();
  const queue = live.roots().find((q) => q.name === 'research-queue');
  await live.expand(queue);
  await live.refresh();
  if (live.problem) throw new Error(live.problem.message);
  const apiCalls = live.lastRefreshCalls;
  const counted = live.children(queue).reduce((sum, group) => sum + group.count, 0);

  // 2. The same data served from memory: the model's own build and diff time.
  const data = new Map();
  const queues = await clients.batch.describeJobQueues();
  for (const jobStatus of ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED']) {
    data.set(jobStatus, await clients.batch.listJobs({ jobQueue: 'research-queue', jobStatus }));
  }
  const memory = {
    describeJobQueues: async () => queues,
    listJobs: async (scope) => (scope.jobStatus ? data.get(scope.jobStatus).map((job) => ({ ...job })) : []),
    describeJobs: async () => [],
  };
  const model = new JobsTreeModel(memory, explain);
  await model.refresh();
  const buildStart = performance.now();
  await model.expand(model.roots().find((q) => q.name === 'research-queue'));
  const firstBuildMs = performance.now() - buildStart;
  const diffStart = performance.now();
  await model.refresh();
  const unchangedRefreshMs = performance.now() - diffStart;
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  clients.destroy();
  batch.destroy();

  console.log(
    JSON.stringify({
      bench: 'explorer',
      peer: null,
      stand_in: { ...motoStandIn(endpoint), endpoint, private: true },
      jobs: counted,
      model_build_ms: Number(firstBuildMs.toFixed(1)),
      unchanged_refresh_ms: Number(unchangedRefreshMs.toFixed(1)),
      api_calls: apiCalls,
      api_calls_budget: Math.ceil(counted / 1000) + 7,
      rss_mb: Number(rssMb.toFixed(1)),
      targets: { model_build_ms: 1000 },
    }),
  );
} finally {
  stopMoto();
}
