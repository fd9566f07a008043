// npm run bench -- local-run
// Run Locally of 200 one-second tasks (`sleep 1`) on 4 worker containers, from the call to the end of
// the run (every container and the network removed), against what a user would script by hand: one
// `docker run --rm <the same image> sleep 1` per task through `xargs -P 4`. Same image, same engine,
// same run; the image is built once before either is timed (Run Locally's build is then all cache).
// Prints one JSON line on stdout; progress goes to stderr. Target: ratio <= 0.6.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileTests, logger, root } from './lib/common.mjs';

const TASKS = Number(process.env.BENCH_TASKS || 200);
const WORKERS = 4;
const say = logger('local-run');

execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
compileTests();
const require = createRequire(join(root, 'out', 'index.js'));
const Docker = require('dockerode');
const { loadRunConfig } = require('./src/config/loadConfig.js');
const { runLocally } = require('./src/submit/localRun.js');

const id = `${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
const name = `bench-local-${id}`;
const repository = `bench-local-run-${id}`;
const work = mkdtempSync(join(tmpdir(), 'bench-local-run-'));
const workspace = join(work, 'workspace');
execFileSync('mkdir', ['-p', workspace]);
writeFileSync(join(workspace, 'Dockerfile'), 'FROM local/debian:bookworm\n');
writeFileSync(
  join(workspace, 'aws-batch.json'),
  JSON.stringify({
    name,
    repository,
    jobQueue: 'local-bench',
    results: { bucket: 'bench-bucket' },
    workers: WORKERS,
    tasks: { command: ['sleep', '1'], count: TASKS },
  }),
);

const docker = new Docker();
const options = async (extra) => ({
  docker,
  loaded: await loadRunConfig(workspace),
  runtimePath: join(root, 'dist', 'runtime.js'),
  runtimeNodeImage: process.env.BATCH_RUNNER_NODE_IMAGE || 'local/node:22',
  cacheDir: join(work, 'cache'),
  log: () => undefined,
  ...extra,
});

let image;
try {
  // Build the image (and its runtime layer) once, outside the timings: a smoke run of one task.
  say('building the image (a one-task smoke run)');
  const warm = await runLocally(await options({ smoke: 1 }));
  image = warm.image.ref;
  const warmResult = await warm.done;
  if (warmResult.summary?.status !== 'succeeded') throw new Error(`the warm-up run ${warmResult.summary?.status}`);

  say(`by hand: ${TASKS} x docker run --rm ${image} sleep 1, xargs -P ${WORKERS}`);
  let started = Date.now();
  const byHand = spawnSync('sh', ['-c', `seq 1 ${TASKS} | xargs -P ${WORKERS} -I{} docker run --rm ${image} sleep 1`], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (byHand.status !== 0) throw new Error(`xargs + docker run exited ${byHand.status}`);
  const byHandSeconds = (Date.now() - started) / 1000;
  say(`by hand: ${byHandSeconds.toFixed(1)} s`);

  say(`Run Locally: ${TASKS} tasks on ${WORKERS} workers`);
  started = Date.now();
  const run = await runLocally(await options({ workers: WORKERS }));
  const result = await run.done;
  const seconds = (Date.now() - started) / 1000;
  if (result.summary?.status !== 'succeeded' || result.summary.tasks?.succeeded !== TASKS) {
    throw new Error(`the local run ${result.summary?.status}: ${JSON.stringify(result.summary?.tasks)}`);
  }
  say(
    `Run Locally: ${seconds.toFixed(1)} s (manager exit ${result.exitCode}, workers ${JSON.stringify(result.workers)})`,
  );

  const version = execFileSync('docker', ['version', '--format', '{{.Client.Version}}'], { encoding: 'utf8' }).trim();
  console.log(
    JSON.stringify({
      bench: 'local-run',
      tasks: TASKS,
      workers: WORKERS,
      s: Number(seconds.toFixed(2)),
      by_hand_s: Number(byHandSeconds.toFixed(2)),
      ratio: Number((seconds / byHandSeconds).toFixed(3)),
      peer: `docker ${version} + xargs -P ${WORKERS}`,
    }),
  );
} finally {
  for (const tag of (await docker.listImages({ filters: { reference: [`batch-runner-local/${repository}`] } })).flatMap(
    (entry) => entry.RepoTags ?? [],
  ))
    await docker
      .getImage(tag)
      .remove()
      .catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
}
