// npm run bench -- manager-memory
// Resident memory of a manager process holding 1000 authenticated worker connections (simulated
// workers on loopback, heartbeats flowing both ways), read from /proc after the connections settled.
// Prints one JSON line. Target: <= 150 MB.
import { build, loadRuntime, log, makeRun, round, rssMb, start, stopAll } from './lib/runtimeBench.mjs';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 1000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

log('building dist/runtime.js');
build();
const { connectToManager } = loadRuntime();
const run = makeRun({ workers: CONNECTIONS, tasks: { command: ['true'], count: 1 } });
const links = [];
try {
  const manager = start(['manager', '--launcher', 'none'], {
    BATCH_RUNNER_RUN_URI: run.dir,
    BATCH_RUNNER_ADVERTISE_ADDRESS: '127.0.0.1',
    BATCH_RUNNER_HEARTBEAT_SECONDS: '1',
  });
  const port = Number((await manager.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
  await sleep(1000);
  const baseline = rssMb(manager.child.pid);
  log(`manager idle: ${baseline.rss.toFixed(1)} MB; connecting ${CONNECTIONS} workers in batches of 100`);
  for (let i = 0; i < CONNECTIONS; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, CONNECTIONS - i) }, (_, j) =>
        connectToManager({
          host: '127.0.0.1',
          port,
          secret: run.secret,
          identity: { workerId: `sim-${i + j}`, label: String(i + j), address: '127.0.0.1' },
          handshakeMs: 30_000,
        }),
      ),
    );
    for (const link of batch) {
      // Answer heartbeats like a real worker, so the manager keeps every connection.
      link.peer.authenticated(1 << 20, 1000, 3000);
      link.peer.setHandlers({ onMessage: () => undefined, onClose: () => undefined });
    }
    links.push(...batch);
  }
  // Let several heartbeat rounds pass so the steady state is measured, not the burst.
  await sleep(5000);
  const open = links.filter((l) => l.peer.isOpen).length;
  if (open !== CONNECTIONS) throw new Error(`only ${open} of ${CONNECTIONS} connections are still open`);
  const loaded = rssMb(manager.child.pid);
  log(`manager with ${CONNECTIONS} connections: ${loaded.rss.toFixed(1)} MB (peak ${loaded.peak.toFixed(1)} MB)`);
  console.log(
    JSON.stringify({
      bench: 'manager-memory',
      connections: CONNECTIONS,
      rss_mb: round(loaded.rss),
      peak_rss_mb: round(loaded.peak),
      idle_rss_mb: round(baseline.rss),
      target_rss_mb: 150,
    }),
  );
} finally {
  for (const link of links) link.peer.close('bench over');
  await stopAll();
  run.remove();
}
