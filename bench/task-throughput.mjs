// npm run bench -- task-throughput
// The cost of a real process per task: 20,000 tasks of `true` on 2 local workers (`node
// runtime.js local --workers 2`: a manager, 2 worker processes, each task a process with its own
// TASK_OUTPUT_DIR, its output collected, started by the build's spawn helper dist/spawn-linux-<arch>) against `xargs -P 2` running the same 20,000 `true`s,
// in the same run, wall clock for both (start-up included). GNU parallel (`parallel -j 2`) is
// timed too when present (installed here with apt when missing: BENCH_PARALLEL=0 skips it).
// Prints one JSON line, with the load average before and after (other processes competing for the
// CPUs raise the ratio). Target: ratio (ours / xargs) <= 1.3.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { build, log, makeRun, round, start, stopAll } from './lib/runtimeBench.mjs';

const TASKS = Number(process.env.BENCH_TASKS || 20_000);
const WORKERS = 2;
const load = () => loadavg().map((value) => Number(value.toFixed(2)));

function timeShell(script) {
  const begin = performance.now();
  const out = spawnSync('sh', ['-c', script], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (out.status !== 0) throw new Error(`${script} exited ${out.status}`);
  return (performance.now() - begin) / 1000;
}

async function ours() {
  const run = makeRun({ workers: WORKERS, tasks: { command: ['true'], count: TASKS } });
  try {
    const begin = performance.now();
    const manager = start(['local', '--workers', String(WORKERS), run.dir]);
    const { code } = await manager.exited;
    const seconds = (performance.now() - begin) / 1000;
    if (code !== 0) throw new Error(`the run exited ${code}:\n${manager.output().slice(-3000)}`);
    const summary = JSON.parse(readFileSync(join(run.dir, 'summary.json'), 'utf8'));
    if (summary.tasks.succeeded !== TASKS) throw new Error(`${summary.tasks.succeeded} of ${TASKS} succeeded`);
    // What started the tasks (the spawn helper, else bash, else Node), as the workers say in their log.
    const starter = /tasks start through (the spawn helper|bash|Node's spawn)/.exec(manager.output())?.[1] ?? 'unknown';
    return { seconds, starter };
  } finally {
    await stopAll();
    run.remove();
  }
}

log('building dist/runtime.js');
build();
let parallel = existsSync('/usr/bin/parallel');
if (!parallel && process.env.BENCH_PARALLEL !== '0') {
  log('installing GNU parallel (Debian parallel)');
  parallel =
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'parallel'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status === 0;
}
const loadBefore = load();
log(`${TASKS} tasks of true: xargs -P ${WORKERS}`);
const xargs = timeShell(`seq ${TASKS} | xargs -P ${WORKERS} -n 1 true`);
log(`xargs: ${xargs.toFixed(2)} s; the runtime with ${WORKERS} local workers`);
const { seconds: runtime, starter } = await ours();
log(`runtime: ${runtime.toFixed(2)} s (tasks started by ${starter})`);
let gnu;
if (parallel && process.env.BENCH_PARALLEL !== '0') {
  const version = execFileSync('parallel', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  log(`${version}: parallel -j ${WORKERS}`);
  gnu = timeShell(`seq ${TASKS} | parallel -j ${WORKERS} true`);
  log(`parallel: ${gnu.toFixed(2)} s`);
}
console.log(
  JSON.stringify({
    bench: 'task-throughput',
    tasks: TASKS,
    workers: WORKERS,
    runtime_s: round(runtime, 2),
    xargs_s: round(xargs, 2),
    ratio: round(runtime / xargs, 2),
    ...(gnu !== undefined ? { parallel_s: round(gnu, 2), ratio_vs_parallel: round(runtime / gnu, 2) } : {}),
    runtime_tasks_per_s: Math.round(TASKS / runtime),
    tasks_started_by: starter,
    target_ratio: 1.3,
    load_average: { before: loadBefore, after: load(), cpus: cpus().length },
  }),
);
