// Cluster mode, grown up: the manager command starts only once every worker command reports ready
// (its BATCH_WORKER_PORT accepts, or it created BATCH_WORKER_READY_FILE); BATCH_WORKER_HOSTS,
// BATCH_WORKER_ADDRESSES and BATCH_WORKER_HOSTFILE carry the documented formats. The contract is
// tested with small Python stand-ins (a manager command that connects to every worker at once,
// without retrying, fails if one is not listening yet); Dask runs for real when Debian's
// python3-distributed is installed (/usr/bin/dask-worker). MPI runs for real in runtimeMpi.test.ts.
// Julia is not on this machine: its example in the README is not run here.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { assertExit, buildRuntime, cleanUp, makeRun, runtime, trackDir } from './runtimeSupport';

const FAST = { BATCH_RUNNER_HEARTBEAT_SECONDS: '0.5', BATCH_RUNNER_KILL_GRACE_SECONDS: '1' };

/** A worker command that listens on BATCH_WORKER_HOST:BATCH_WORKER_PORT only after `delay` seconds. */
const slowServer = (delay: number) => [
  'python3',
  '-c',
  `import os, socket, time
time.sleep(${delay})
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((os.environ['BATCH_WORKER_HOST'], int(os.environ['BATCH_WORKER_PORT']))); s.listen(8)
while True:
    c, _ = s.accept(); c.sendall(('worker %s' % os.environ['BATCH_WORKER_INDEX']).encode()); c.close()`,
];

/** The manager command: one connection to every worker, no retry, then the hostfile. */
const greetAll = [
  'python3',
  '-c',
  `import os, socket
for address in os.environ['BATCH_WORKER_ADDRESSES'].split(','):
    host, port = address.rsplit(':', 1)
    with socket.create_connection((host, int(port)), timeout=5) as c:
        print('reply from %s: %s' % (address, c.recv(100).decode()))
print('hosts=' + os.environ['BATCH_WORKER_HOSTS'])
print('hostfile=' + open(os.environ['BATCH_WORKER_HOSTFILE']).read().replace(chr(10), ';'))`,
];

suite('runtime: cluster mode readiness and host lists', function () {
  suiteSetup(function () {
    this.timeout(60_000);
    buildRuntime();
  });
  teardown(cleanUp);

  test('ready "port": the manager command starts after every BATCH_WORKER_PORT accepts', async function () {
    this.timeout(60_000);
    const dir = trackDir(
      makeRun({
        name: 'ready-port',
        runId: 'ready-port-1',
        workers: 3,
        cluster: { manager: greetAll, worker: slowServer(1.5), workerPort: 47123 },
      }),
    );
    const run = runtime(['local', '--workers', '3', dir], FAST);
    assertExit(await run.exited, 0, run.output());
    const out = run.output();
    for (const i of [0, 1, 2]) assert.match(out, new RegExp(`reply from 127\\.0\\.0\\.${i + 2}:47123: worker ${i}`));
    assert.match(out, /hosts=127\.0\.0\.2,127\.0\.0\.3,127\.0\.0\.4/);
    assert.match(out, /hostfile=127\.0\.0\.2;127\.0\.0\.3;127\.0\.0\.4;/);
    assert.match(out, /the worker command is ready \(port 47123 accepts connections\)/);
    assert.ok(
      out.indexOf('every worker is ready') > out.lastIndexOf('is ready (port'),
      'the manager command started after the last worker was ready',
    );
  });

  test('ready "file": the manager command waits for every BATCH_WORKER_READY_FILE', async function () {
    this.timeout(60_000);
    const dir = trackDir(
      makeRun({
        name: 'ready-file',
        runId: 'ready-file-1',
        workers: 2,
        cluster: {
          manager: ['sh', '-c', 'echo "manager sees $BATCH_WORKER_COUNT workers"'],
          worker: [
            'sh',
            '-c',
            'sleep 1; echo "worker $BATCH_WORKER_INDEX set up"; touch "$BATCH_WORKER_READY_FILE"; sleep 60',
          ],
          ready: 'file',
        },
      }),
    );
    const run = runtime(['local', '--workers', '2', dir], FAST);
    assertExit(await run.exited, 0, run.output());
    const out = run.output();
    assert.ok(out.indexOf('manager sees 2 workers') > out.lastIndexOf('set up'), out);
    assert.match(out, /is ready \(it created .*ready\)/);
  });

  test('a worker command that dies before it is ready fails the run with its reason', async function () {
    this.timeout(60_000);
    const dir = trackDir(
      makeRun({
        name: 'ready-dies',
        runId: 'ready-dies-1',
        workers: 2,
        cluster: { manager: ['true'], worker: ['sh', '-c', 'exit 7'], workerPort: 47124 },
      }),
    );
    const run = runtime(['local', '--workers', '2', dir], FAST);
    const { code } = await run.exited;
    assert.notEqual(code, 0);
    assert.match(run.output(), /the worker command ended before it was ready: exit code 7/);
  });

  test('Dask: dask-worker on each worker, a scheduler and a computation in the manager command', async function () {
    if (!existsSync('/usr/bin/dask-worker')) this.skip();
    this.timeout(120_000);
    const dir = trackDir(
      makeRun({
        name: 'dask',
        runId: 'dask-1',
        workers: 2,
        cluster: {
          // The example of the README, with Debian's interpreter.
          worker: [
            'sh',
            '-c',
            'exec /usr/bin/dask-worker "tcp://$BATCH_MANAGER_HOST:8786" --host "$BATCH_WORKER_HOST" --worker-port "$BATCH_WORKER_PORT" --nthreads 1 --no-nanny --death-timeout 60',
          ],
          workerPort: 47125,
          manager: [
            '/usr/bin/python3',
            '-c',
            `import os
from dask.distributed import Scheduler, Client
import asyncio
async def main():
    async with Scheduler(host=os.environ['BATCH_MANAGER_HOST'], port=8786, dashboard_address=None) as s:
        async with Client(s.address, asynchronous=True) as c:
            await c.wait_for_workers(int(os.environ['BATCH_WORKER_COUNT']))
            futures = c.map(lambda x: x * x, range(10))
            print('dask sum', sum(await c.gather(futures)), 'on', len(s.workers), 'workers')
asyncio.run(main())`,
          ],
        },
      }),
    );
    const run = runtime(['local', '--workers', '2', dir], FAST);
    assertExit(await run.exited, 0, run.output());
    assert.match(run.output(), /dask sum 285 on 2 workers/);
  });
});
