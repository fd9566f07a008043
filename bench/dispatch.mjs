// npm run bench -- dispatch
// Dispatch overhead of the runtime: a manager process and 1, 4 and 16 worker processes on loopback
// run a built-in no-op task (worker --noop: the task completes at once, nothing is spawned), so the
// time per task is the manager/worker protocol and bookkeeping alone. Measured from the first task
// handed out to the last result (workers still connecting count against us). Prints one JSON line.
// Target: under 50 us per task at 16 workers (Dask's published overhead is about 1 ms per task).
// Tasks go out in batches (one frame per worker and round) and results come back batched; each
// worker keeps its default prefetch (adaptive: about 20 ms of work per slot, at most 32 tasks).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, log, makeRun, round, start, stopAll } from './lib/runtimeBench.mjs';

const TASKS = { 1: 10_000, 4: 20_000, 16: 40_000 };

async function measure(workers) {
  const tasks = Number(process.env.BENCH_TASKS || TASKS[workers]);
  const run = makeRun({ workers, tasks: { command: ['true'], count: tasks } });
  try {
    const manager = start(['manager', '--launcher', 'none'], {
      BATCH_RUNNER_RUN_URI: run.dir,
      BATCH_RUNNER_ADVERTISE_ADDRESS: '127.0.0.1',
    });
    const port = (await manager.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1];
    for (let i = 0; i < workers; i++) {
      start(['worker', '--manager', `127.0.0.1:${port}`, '--index', String(i), '--noop'], {
        BATCH_RUNNER_RUN_URI: run.dir,
      });
    }
    const { code } = await manager.exited;
    if (code !== 0) throw new Error(`manager exited ${code}:\n${manager.output().slice(-3000)}`);
    const summary = JSON.parse(readFileSync(join(run.dir, 'summary.json'), 'utf8'));
    if (summary.tasks.succeeded !== tasks)
      throw new Error(`only ${summary.tasks.succeeded} of ${tasks} tasks succeeded`);
    const seconds = (summary.timing.lastTaskAtMs - summary.timing.firstTaskAtMs) / 1000;
    const result = {
      workers,
      tasks,
      us_per_task: round((seconds * 1e6) / tasks),
      tasks_per_s: Math.round(tasks / seconds),
    };
    log(`${workers} workers: ${tasks} tasks in ${seconds.toFixed(2)} s (${result.us_per_task} us per task)`);
    return result;
  } finally {
    await stopAll();
    run.remove();
  }
}

log('building dist/runtime.js');
build();
try {
  const also = [await measure(1), await measure(4)];
  const main = await measure(16);
  console.log(JSON.stringify({ bench: 'dispatch', ...main, also, slots_per_worker: 1, target_us_per_task: 50 }));
} finally {
  await stopAll();
}
