// npm run bench -- registration
// How fast a manager accepts a crowd of workers: 10,000 simulated workers (an AWS Batch array's
// maximum; the runtime's own client: TCP connect, the HMAC challenge-response, then encrypted
// frames) in 2 processes connect at once to a manager process on loopback. all_connected_ms runs
// from the start signal to the last welcome; the manager's progress.json must then count every one.
// Prints one JSON line. Target: under 5 s.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, log, makeRun, round, rssMb, simulateWorkers, start, stopAll } from './lib/runtimeBench.mjs';

const WORKERS = Number(process.env.BENCH_WORKERS || 10_000);
const PROCESSES = Number(process.env.BENCH_PROCESSES || 2);
/** User + system CPU time of a process so far (clock ticks of 10 ms). */
const cpuMs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

log('building dist/runtime.js');
build();
const run = makeRun({ workers: WORKERS, tasks: { command: ['true'], count: 1 } });
try {
  const manager = start(['manager', '--launcher', 'none'], {
    BATCH_RUNNER_RUN_URI: run.dir,
    BATCH_RUNNER_ADVERTISE_ADDRESS: '127.0.0.1',
    BATCH_RUNNER_PROGRESS_SECONDS: '0.5',
  });
  const port = Number((await manager.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
  const sims = await simulateWorkers({ port, secret: run.secret, count: WORKERS, processes: PROCESSES });
  log(`manager on port ${port}; connecting ${WORKERS} workers from ${PROCESSES} processes`);
  const cpuBefore = cpuMs(manager.child.pid);
  const begin = performance.timeOrigin + performance.now();
  const reports = await sims.go();
  const ms = Math.max(...reports.map((r) => r.lastAt)) - begin;
  const managerCpu = cpuMs(manager.child.pid) - cpuBefore;
  const connected = reports.reduce((n, r) => n + r.connected, 0);
  const retries = reports.reduce((n, r) => n + r.retries, 0);
  if (connected !== WORKERS) throw new Error(`${connected} of ${WORKERS} workers are connected`);
  // The manager's side agrees.
  const progress = () => JSON.parse(readFileSync(join(run.dir, 'progress.json'), 'utf8'));
  const end = Date.now() + 20_000;
  while (progress().workers.connected !== WORKERS) {
    if (Date.now() > end) throw new Error(`the manager counts ${progress().workers.connected} workers, not ${WORKERS}`);
    await sleep(200);
  }
  const rss = rssMb(manager.child.pid);
  log(`${WORKERS} workers authenticated in ${ms.toFixed(1)} ms (${retries} retries); manager ${rss.rss.toFixed(0)} MB`);
  console.log(
    JSON.stringify({
      bench: 'registration',
      workers: WORKERS,
      processes: PROCESSES,
      all_connected_ms: round(ms),
      retries,
      manager_rss_mb: round(rss.rss),
      manager_cpu_ms: Math.round(managerCpu),
      target_ms: 5000,
    }),
  );
} finally {
  await stopAll();
  run.remove();
}
