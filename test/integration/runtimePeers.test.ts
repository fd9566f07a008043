// Strangers and misbehaving peers at a live manager's port: each is dropped, and the run they
// tried to disturb still completes every task.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { parseSecret, proof } from '../../src/runtime/protocol/auth';
import { FrameDecoder, encodeFrame } from '../../src/runtime/protocol/frames';
import { PROTOCOL_VERSION } from '../../src/runtime/protocol/messages';
import { connectToManager } from '../../src/runtime/worker/link';
import {
  assertExit,
  buildRuntime,
  cleanUp,
  makeRun,
  readJsonFile,
  readResults,
  runtime,
  trackDir,
  waitUntil,
} from './runtimeSupport';

interface Client {
  socket: Socket;
  messages: Record<string, unknown>[];
  closed: Promise<number>;
}

/** A raw TCP client that records what the manager sends and when it hangs up. */
function rawClient(port: number): Client {
  const socket = connect(port, '127.0.0.1');
  const decoder = new FrameDecoder(1 << 20);
  const messages: Record<string, unknown>[] = [];
  const start = Date.now();
  socket.on('data', (chunk) => messages.push(...decoder.push(chunk)));
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - start)));
  return { socket, messages, closed };
}

async function firstMessage(client: Client): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200 && client.messages.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(client.messages.length > 0, 'the manager sent no hello');
  return client.messages[0];
}

const within = (ms: number, p: Promise<number>) =>
  Promise.race([
    p,
    new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms)),
  ]);

suite('runtime: peers that fail the handshake or misbehave are dropped', function () {
  suiteSetup(function () {
    this.timeout(60_000);
    buildRuntime();
  });
  teardown(cleanUp);

  test('garbage, oversized frames, a wrong secret, a replayed proof, silence and post-auth garbage', async function () {
    this.timeout(60_000);
    const dir = trackDir(
      makeRun({
        name: 'hostile',
        runId: 'hostile-1',
        workers: 2,
        tasks: {
          command: ['sh', '-c', 'sleep 0.1; echo "{\\"i\\":$TASK_INDEX}" > "$TASK_OUTPUT_DIR/output.json"'],
          count: 40,
        },
      }),
    );
    const run = runtime(['local', '--workers', '2', dir], {
      BATCH_RUNNER_HANDSHAKE_SECONDS: '1',
      BATCH_RUNNER_HEARTBEAT_SECONDS: '0.5',
    });
    const port = Number((await run.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
    const secret = parseSecret(readFileSync(join(dir, 'secret')));

    // 1. Not our protocol at all.
    const http = rawClient(port);
    http.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    // 2. A frame header announcing 1 MiB before authentication (the limit is 4 KiB).
    const big = rawClient(port);
    big.socket.write(Buffer.from([0x00, 0x10, 0x00, 0x00]));
    // 3. Says nothing at all: dropped at the 1 s handshake deadline.
    const silent = rawClient(port);
    // 4. A worker that does not know the secret.
    await assert.rejects(
      connectToManager({
        host: '127.0.0.1',
        port,
        secret: randomBytes(32),
        identity: { workerId: 'intruder', label: 'x', address: '127.0.0.1' },
        handshakeMs: 3000,
      }),
    );
    // 5. A valid proof for one connection's challenge, replayed on another connection.
    const first = rawClient(port);
    const second = rawClient(port);
    const hello1 = await firstMessage(first);
    await firstMessage(second);
    const challenge = randomBytes(32).toString('hex');
    const replayed = {
      t: 'hello',
      v: PROTOCOL_VERSION,
      role: 'worker',
      workerId: 'replay',
      label: 'r',
      address: '127.0.0.1',
      challenge,
      proof: proof(secret, 'worker', 'hostile-1', String(hello1.challenge), challenge),
    };
    second.socket.write(encodeFrame(replayed));
    first.socket.destroy();

    for (const [name, client] of Object.entries({ http, big, silent, second })) {
      await within(3000, client.closed).catch((error) => assert.fail(`${name}: ${(error as Error).message}`));
    }
    assert.ok((await silent.closed) >= 900, 'the silent peer was dropped before the handshake deadline');
    assert.equal(second.messages.length, 1, 'the replaying peer got something beyond the hello');

    // 6. A real worker (it knows the secret) takes a task, then sends a frame without the session's
    // seal, as anyone injecting into the connection would: it is dropped and its task goes back to
    // the queue.
    const link = await connectToManager({
      host: '127.0.0.1',
      port,
      secret,
      identity: { workerId: 'rogue', label: 'rogue', address: '127.0.0.1' },
      handshakeMs: 3000,
    });
    const rogueClosed = new Promise<string>((resolve) =>
      link.peer.setHandlers({
        onMessage: (m) => {
          if (m.t === 'task')
            link.peer.socket.write(encodeFrame({ t: 'result', index: m.index, attempt: 1, ok: true, exitCode: 0 }));
        },
        onClose: resolve,
      }),
    );
    link.peer.send({ t: 'want', n: 1 });
    await within(
      5000,
      rogueClosed.then(() => 0),
    );

    assertExit(await run.exited, 0, run.output());
    assert.deepEqual(
      readResults(dir).map((r) => r.index),
      Array.from({ length: 40 }, (_, i) => i),
    );
    const summary = readJsonFile<{ status: string; droppedConnections: number; tasks: { retried: number } }>(
      join(dir, 'summary.json'),
    );
    assert.equal(summary.status, 'succeeded');
    assert.equal(summary.droppedConnections, 6, 'http, big, silent, wrong secret, and both replay connections');
    assert.equal(summary.tasks.retried, 1, "the rogue worker's task was handed out again");
    const output = run.output();
    for (const reason of [/frame of \d+ bytes is over the limit of 4096/, /no handshake in time/, /wrong proof/]) {
      assert.match(output, reason);
    }
    assert.match(output, /worker rogue is gone \(frame failed authentication[^)]*\); tasks \d+ go back to the queue/);
  });
  test('an authenticated worker that goes silent is dropped; one that holds a task past its limit gets a cancel', async function () {
    this.timeout(60_000);
    const dir = trackDir(
      makeRun({
        name: 'stuck',
        runId: 'stuck-1',
        workers: 1,
        tasks: {
          command: ['sh', '-c', 'echo "{\\"i\\":$TASK_INDEX}" > "$TASK_OUTPUT_DIR/output.json"'],
          count: 3,
          retries: 1,
          timeoutSeconds: 1,
        },
      }),
    );
    // No workers of its own at first: the simulated ones below get the tasks.
    const run = runtime(['manager', '--launcher', 'none'], {
      BATCH_RUNNER_RUN_URI: dir,
      BATCH_RUNNER_ADVERTISE_ADDRESS: '127.0.0.1',
      BATCH_RUNNER_HEARTBEAT_SECONDS: '0.5',
      BATCH_RUNNER_OVERDUE_GRACE_SECONDS: '1',
    });
    const port = Number((await run.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
    const secret = parseSecret(readFileSync(join(dir, 'secret')));
    const join_ = (workerId: string) =>
      connectToManager({
        host: '127.0.0.1',
        port,
        secret,
        identity: { workerId, label: workerId, address: '127.0.0.1' },
        handshakeMs: 3000,
      });

    // Silent: authenticated, then never a heartbeat. Dropped after 3 intervals (1.5 s).
    const silent = await join_('silent');
    const silentSince = Date.now();
    const silentClosed = new Promise<number>((resolve) =>
      silent.peer.setHandlers({ onMessage: () => undefined, onClose: () => resolve(Date.now() - silentSince) }),
    );
    const silentMs = await within(5000, silentClosed);
    assert.ok(silentMs >= 1400, `dropped after ${silentMs} ms, before 3 heartbeats were missed`);
    await run.waitFor(/worker silent is gone \(silent for more than 2 s\)/);

    // Stuck: heartbeats flow, it takes one task and never reports. After the 1 s limit plus the 1 s
    // grace the manager gives up on that attempt and tells it to cancel.
    const stuck = await join_('stuck');
    stuck.peer.authenticated(1 << 20, 500, 1500);
    const received: Record<string, unknown>[] = [];
    stuck.peer.setHandlers({ onMessage: (m) => received.push(m), onClose: () => undefined });
    stuck.peer.send({ t: 'want', n: 1 });
    await within(
      10_000,
      waitUntil('a cancel', () => received.some((m) => m.t === 'cancel'), 10_000),
    );
    const task = received.find((m) => m.t === 'task')!;
    const cancel = received.find((m) => m.t === 'cancel')!;
    assert.deepEqual([cancel.index, cancel.attempt], [task.index, task.attempt]);
    assert.match(run.output(), /no result 2 s after the task started/);

    // A real worker finishes the run, the stuck task included (its second attempt).
    const worker = runtime(['worker', '--manager', `127.0.0.1:${port}`, '--index', '0'], { BATCH_RUNNER_RUN_URI: dir });
    assertExit(await run.exited, 0, run.output());
    assertExit(await worker.exited, 0, worker.output());
    stuck.peer.close('test over');
    assert.deepEqual(
      readResults(dir).map((r) => r.index),
      [0, 1, 2],
    );
  });
});
