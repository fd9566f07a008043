// npm run bench -- million-tasks
// A run of 1,000,000 tasks from an inputs file (run.json's tasks.inputsFile, JSON Lines): the
// manager streams the inputs as tasks go out, 4 worker processes complete each at once with an
// output.json ({"index": i, "input": ...}: worker --noop-output), and the manager spools the
// outputs and writes results.jsonl in index order at the end. The manager's resident memory is
// sampled every 100 ms. Prints one JSON line. Target: it finishes, every line of results.jsonl is
// there in order, and the manager's peak RSS stays under 250 MB.
import { createReadStream, createWriteStream, readFileSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build, log, makeRun, round, rssMb, start, stopAll } from './lib/runtimeBench.mjs';

const TASKS = Number(process.env.BENCH_TASKS || 1_000_000);
const WORKERS = Number(process.env.BENCH_WORKERS || 4);

log('building dist/runtime.js');
build();
const run = makeRun({ workers: WORKERS, tasks: { command: ['true'], inputsFile: 'inputs.jsonl' } });
try {
  log(`writing ${TASKS} inputs`);
  const inputs = createWriteStream(join(run.dir, 'inputs.jsonl'));
  for (let i = 0; i < TASKS; i += 10_000) {
    let chunk = '';
    for (let j = i; j < Math.min(TASKS, i + 10_000); j++) chunk += `{"seed":${j * 7},"name":"case-${j}"}\n`;
    if (!inputs.write(chunk)) await once(inputs, 'drain');
  }
  inputs.end();
  await once(inputs, 'close');

  const begin = performance.now();
  const manager = start(['manager', '--launcher', 'none'], {
    BATCH_RUNNER_RUN_URI: run.dir,
    BATCH_RUNNER_ADVERTISE_ADDRESS: '127.0.0.1',
  });
  const port = (await manager.waitFor(/listening on 127\.0\.0\.1:(\d+)/, 120_000))[1];
  for (let i = 0; i < WORKERS; i++) {
    start(['worker', '--manager', `127.0.0.1:${port}`, '--index', String(i), '--noop-output'], {
      BATCH_RUNNER_RUN_URI: run.dir,
    });
  }
  let peak = 0;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, rssMb(manager.child.pid).peak);
    } catch {
      // it has exited
    }
  }, 100);
  const { code } = await manager.exited;
  clearInterval(sampler);
  const seconds = (performance.now() - begin) / 1000;
  if (code !== 0) throw new Error(`manager exited ${code}:\n${manager.output().slice(-3000)}`);
  const summary = JSON.parse(readFileSync(join(run.dir, 'summary.json'), 'utf8'));
  if (summary.tasks.succeeded !== TASKS) throw new Error(`only ${summary.tasks.succeeded} of ${TASKS} tasks succeeded`);
  // results.jsonl: every task once, in index order, with its own input.
  let expected = 0;
  for await (const line of createInterface({ input: createReadStream(join(run.dir, 'results.jsonl')) })) {
    const { index, output } = JSON.parse(line);
    if (index !== expected || output.input.name !== `case-${expected}`)
      throw new Error(`results.jsonl line ${expected + 1} is task ${index}`);
    expected++;
  }
  if (expected !== TASKS) throw new Error(`results.jsonl has ${expected} lines, not ${TASKS}`);
  const taskSeconds = (summary.timing.lastTaskAtMs - summary.timing.firstTaskAtMs) / 1000;
  log(`${TASKS} tasks in ${seconds.toFixed(1)} s; manager peak RSS ${peak.toFixed(1)} MB`);
  console.log(
    JSON.stringify({
      bench: 'million-tasks',
      tasks: TASKS,
      workers: WORKERS,
      seconds: round(seconds),
      task_seconds: round(taskSeconds),
      us_per_task: round((taskSeconds * 1e6) / TASKS),
      manager_peak_rss_mb: round(peak),
      results_mb: round(statSync(join(run.dir, 'results.jsonl')).size / 1e6),
      target_rss_mb: 250,
    }),
  );
} finally {
  await stopAll();
  run.remove();
}
