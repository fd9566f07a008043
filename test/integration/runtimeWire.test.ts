// Encrypted frames on a real run: a recording proxy sits between a worker process and its manager
// and keeps every byte both ways. The run's inputs, outputs and environment are in results.jsonl
// and the task's files, but nowhere in the bytes that crossed the wire.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { assertExit, buildRuntime, cleanUp, makeRun, readResults, runtime, trackDir } from './runtimeSupport';

/** A TCP proxy to 127.0.0.1:target that records what passes, per direction. */
function recordingProxy(target: number): Promise<{ server: Server; port: number; up: Buffer[]; down: Buffer[] }> {
  const up: Buffer[] = [];
  const down: Buffer[] = [];
  const sockets: Socket[] = [];
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    sockets.push(client, upstream);
    client.on('data', (chunk: Buffer) => {
      up.push(Buffer.from(chunk));
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      down.push(Buffer.from(chunk));
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as { port: number }).port, up, down }),
    ),
  );
}

suite('runtime: frames are encrypted on the wire', function () {
  suiteSetup(function () {
    this.timeout(60_000);
    buildRuntime();
  });
  teardown(cleanUp);

  test('no task input, output or environment value appears in the captured bytes', async function () {
    this.timeout(60_000);
    const inputs = Array.from({ length: 6 }, (_, i) => ({ word: `plaintext-input-marker-${i}` }));
    const dir = trackDir(
      makeRun({
        name: 'wire',
        runId: 'wire-1',
        workers: 1,
        environment: { WIRE_ENV: 'plaintext-environment-marker' },
        tasks: {
          // The output echoes the input and adds its own marker; a failing first attempt sends a tail.
          command: [
            'sh',
            '-c',
            'if [ "$TASK_ATTEMPT" = 1 ] && [ "$TASK_INDEX" = 0 ]; then echo "plaintext-tail-marker"; exit 3; fi;' +
              ' printf \'{"in":%s,"out":"plaintext-output-marker","env":"%s"}\' "$(cat "$TASK_INPUT")" "$WIRE_ENV" > "$TASK_OUTPUT_DIR/output.json"',
          ],
          inputs,
          retries: 1,
        },
      }),
    );
    const manager = runtime(['manager', '--launcher', 'none'], {
      BATCH_RUNNER_RUN_URI: dir,
      BATCH_RUNNER_ADVERTISE_ADDRESS: '127.0.0.1',
    });
    const port = Number((await manager.waitFor(/listening on [\d.]+:(\d+)/))[1]);
    const proxy = await recordingProxy(port);
    try {
      const worker = runtime(['worker', '--manager', `127.0.0.1:${proxy.port}`, '--index', '0'], {
        BATCH_RUNNER_RUN_URI: dir,
      });
      assertExit(await manager.exited, 0, manager.output());
      await worker.exited;
    } finally {
      proxy.server.close();
    }

    const results = readResults(dir);
    assert.equal(results.length, 6);
    assert.deepEqual(results[3].output, {
      in: { word: 'plaintext-input-marker-3' },
      out: 'plaintext-output-marker',
      env: 'plaintext-environment-marker',
    });
    const wire = Buffer.concat([...proxy.up, ...proxy.down]);
    assert.ok(wire.length > 1000, `only ${wire.length} bytes were captured`);
    // The handshake is plain and readable (so the capture really is of this protocol)...
    assert.ok(wire.includes('"t":"hello"'), 'the capture holds the plain hellos');
    assert.ok(wire.includes('"t":"welcome"'), 'the capture holds the plain welcome');
    // ...everything after it is not.
    for (const marker of [
      'plaintext-input-marker',
      'plaintext-output-marker',
      'plaintext-environment-marker',
      'plaintext-tail-marker',
      'WIRE_ENV',
      '"t":"task"',
      '"t":"result"',
      '"t":"setup"',
    ]) {
      assert.equal(wire.includes(marker), false, `"${marker}" crossed the wire in plain text`);
    }
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    assert.equal(summary.tasks.retried, 1, 'the failed first attempt (with its tail) went over the wire too');
  });
});
