// npm run bench -- manager-memory
// Resident memory of a manager process holding 10,000 authenticated worker connections (an AWS
// Batch array's maximum; simulated workers in 2 processes on loopback, encrypted heartbeats flowing
// both ways every 2 s), read from /proc after the connections settled. Prints one JSON line.
// Target: under 300 MB.
import { build, log, makeRun, round, rssMb, simulateWorkers, start, stopAll } from './lib/runtimeBench.mjs';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 10_000);
const HEARTBEAT_SECONDS = 2;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

log('building dist/runtime.js');
build();
const run = makeRun({ workers: CONNECTIONS, tasks: { command: ['true'], count: 1 } });
try {
  const manager = start(['manager', '--launcher', 'none'], {
    BATCH_RUNNER_RUN_URI: run.dir,
    BATCH_RUNNER_ADVERTISE_ADDRESS: '127.0.0.1',
    BATCH_RUNNER_HEARTBEAT_SECONDS: String(HEARTBEAT_SECONDS),
  });
  const port = Number((await manager.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
  await sleep(1000);
  const baseline = rssMb(manager.child.pid);
  log(`manager idle: ${baseline.rss.toFixed(1)} MB; connecting ${CONNECTIONS} workers`);
  const sims = await simulateWorkers({
    port,
    secret: run.secret,
    count: CONNECTIONS,
    processes: 2,
    heartbeatMs: HEARTBEAT_SECONDS * 1000,
  });
  const reports = await sims.go();
  const connected = reports.reduce((n, r) => n + r.connected, 0);
  if (connected !== CONNECTIONS) throw new Error(`only ${connected} of ${CONNECTIONS} connected`);
  // Several heartbeat rounds, so that the steady state is measured, not the burst; every
  // connection must still be open (a silent one would have been dropped after 3 rounds).
  await sleep(4 * HEARTBEAT_SECONDS * 1000);
  const loaded = rssMb(manager.child.pid);
  const gone = (manager.output().match(/is gone/g) ?? []).length;
  if (gone > 0) throw new Error(`the manager dropped ${gone} workers`);
  log(`manager with ${CONNECTIONS} connections: ${loaded.rss.toFixed(1)} MB (peak ${loaded.peak.toFixed(1)} MB)`);
  console.log(
    JSON.stringify({
      bench: 'manager-memory',
      connections: CONNECTIONS,
      rss_mb: round(loaded.rss),
      peak_rss_mb: round(loaded.peak),
      idle_rss_mb: round(baseline.rss),
      heartbeat_s: HEARTBEAT_SECONDS,
      target_rss_mb: 300,
    }),
  );
} finally {
  await stopAll();
  run.remove();
}
