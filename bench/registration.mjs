// npm run bench -- registration
// How fast a manager accepts a crowd of workers: 200 simulated workers (the runtime's own client:
// TCP connect plus the HMAC challenge-response) connect at once to a manager process on loopback.
// all_connected_ms runs from the first connect to the last welcome. Prints one JSON line.
// Target: under 2 s.
import { build, loadRuntime, log, makeRun, round, start, stopAll } from './lib/runtimeBench.mjs';

const WORKERS = Number(process.env.BENCH_WORKERS || 200);

log('building dist/runtime.js');
build();
const { connectToManager } = loadRuntime();
const run = makeRun({ workers: WORKERS, tasks: { command: ['true'], count: 1 } });
const links = [];
try {
  const manager = start(['manager', '--launcher', 'none'], {
    BATCH_RUNNER_RUN_URI: run.dir,
    BATCH_RUNNER_ADVERTISE_ADDRESS: '127.0.0.1',
  });
  const port = Number((await manager.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
  log(`manager on port ${port}; connecting ${WORKERS} workers`);
  const begin = performance.now();
  const connected = await Promise.all(
    Array.from({ length: WORKERS }, (_, i) =>
      connectToManager({
        host: '127.0.0.1',
        port,
        secret: run.secret,
        identity: { workerId: `sim-${i}`, label: String(i), address: '127.0.0.1' },
        handshakeMs: 30_000,
      }),
    ),
  );
  const ms = performance.now() - begin;
  links.push(...connected);
  // The manager's side agrees: one "connected" line per worker.
  await manager.waitFor(new RegExp(`worker ${WORKERS - 1} connected`), 10_000);
  const seen = (manager.output().match(/\] worker \d+ connected/g) ?? []).length;
  if (seen !== WORKERS) throw new Error(`the manager logged ${seen} connections, not ${WORKERS}`);
  log(`${WORKERS} workers authenticated in ${ms.toFixed(1)} ms`);
  console.log(
    JSON.stringify({ bench: 'registration', workers: WORKERS, all_connected_ms: round(ms), target_ms: 2000 }),
  );
} finally {
  for (const link of links) link.peer.close('bench over');
  await stopAll();
  run.remove();
}
