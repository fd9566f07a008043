// Strangers cost little: drops are counted and logged once, then summed up at most once per
// interval; connections in their handshake are capped (the oldest goes first), and a worker that
// knows the secret still gets in, with the run's environment in the first sealed frame.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { WorkerListener, type ConnectedWorker } from '../../../src/runtime/manager/listener';
import { connectToManager } from '../../../src/runtime/worker/link';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function listener(options: { dropLogMs: number; maxHalfOpen: number; handshakeMs?: number }) {
  const secret = randomBytes(32);
  const lines: string[] = [];
  const workers: ConnectedWorker[] = [];
  const server = new WorkerListener({
    secret,
    runId: 'unit-listener',
    welcome: { mode: 'tasks', slots: 1, heartbeatMs: 1000, environment: { SECRET_SAUCE: 'tomato' } },
    handshakeMs: options.handshakeMs ?? 5000,
    heartbeatMs: 1000,
    silenceMs: 3000,
    log: (line) => lines.push(line),
    onWorker: (worker) => workers.push(worker),
    dropLogMs: options.dropLogMs,
    maxHalfOpen: options.maxHalfOpen,
  });
  return { server, secret, lines, workers };
}

function stranger(port: number, send?: string): { socket: Socket; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.resume(); // read (and ignore) the hello, so the end of the connection is seen
  if (send) socket.on('connect', () => socket.write(send));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, closed };
}

suite('runtime listener: strangers cost little', () => {
  test('50 garbage connections give one line, then one summary per interval', async () => {
    const { server, lines } = listener({ dropLogMs: 400, maxHalfOpen: 100 });
    const port = await server.listen('127.0.0.1', 0);
    try {
      const peers = Array.from({ length: 50 }, () => stranger(port, 'GET / HTTP/1.1\r\n\r\n'));
      await Promise.all(peers.map((p) => p.closed));
      await waitUntil('all 50 counted', () => server.dropped === 50);
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(
        lines[0],
        /dropped a connection from 127\.0\.0\.1:\d+ before it authenticated: .*summed up every 0\.4 s/,
      );
      await waitUntil('the summary line', () => lines.length === 2, 2000);
      assert.match(
        lines[1],
        /^49 more connections dropped before they authenticated in the last 0\.4 s, from 1 addresses \(127\.0\.0\.1\)/,
      );
      assert.ok(lines[1].length < 600, 'the summary stays one short line');
      // Quiet now: the next interval writes nothing.
      await sleep(900);
      assert.equal(lines.length, 2, lines.join('\n'));
    } finally {
      await server.close();
    }
  });

  test('the oldest half-open connection is dropped beyond the cap; a real worker still gets in', async () => {
    const { server, secret, workers } = listener({ dropLogMs: 60_000, maxHalfOpen: 5 });
    const port = await server.listen('127.0.0.1', 0);
    try {
      const silent = Array.from({ length: 5 }, () => stranger(port));
      await waitUntil(
        '5 silent connections',
        () => (server as unknown as { halfOpen: Set<unknown> }).halfOpen.size === 5,
      );
      const link = await connectToManager({
        host: '127.0.0.1',
        port,
        secret,
        identity: { workerId: 'w-1', label: '1', address: '127.0.0.1' },
        handshakeMs: 5000,
      });
      // The worker took the oldest stranger's place.
      await silent[0].closed;
      assert.equal(server.dropped, 1);
      await waitUntil('the worker handed on', () => workers.length === 1);
      assert.equal(link.welcome.mode, 'tasks');
      assert.deepEqual(link.welcome.environment, {}, 'the plain welcome carries no environment');
      const first = await new Promise<Record<string, unknown>>((resolve) =>
        link.peer.setHandlers({ onMessage: resolve, onClose: () => undefined }),
      );
      assert.deepEqual(first, { t: 'setup', environment: { SECRET_SAUCE: 'tomato' } });
      const more = Array.from({ length: 20 }, () => stranger(port));
      await waitUntil('at most 5 half-open', () => server.dropped >= 20);
      assert.ok((server as unknown as { halfOpen: Set<unknown> }).halfOpen.size <= 5);
      link.peer.close('test over');
      for (const s of [...silent, ...more]) s.socket.destroy();
    } finally {
      await server.close();
    }
  });
});
