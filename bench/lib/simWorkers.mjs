// A child process of the runtime benchmarks: simulated workers (the runtime's own client: TCP
// connect, the HMAC challenge-response, encrypted frames) for a manager on loopback. It waits for
// "go" on stdin, connects COUNT workers at once (a turned-away one retries, as a real worker
// does), prints one JSON line {connected, retries, firstAt, lastAt} (epoch ms, sub-millisecond),
// then keeps the connections open and answers heartbeats until it is killed.
import { createRequire } from 'node:module';

const [runtimePath, port, secretHex, first, count, heartbeatMs] = process.argv.slice(2);
const { connectToManager } = createRequire(import.meta.url)(runtimePath);
const secret = Buffer.from(secretHex, 'hex');
const now = () => performance.timeOrigin + performance.now();
const links = [];
let retries = 0;

async function one(i) {
  for (;;) {
    try {
      const link = await connectToManager({
        host: '127.0.0.1',
        port: Number(port),
        secret,
        identity: { workerId: `sim-${i}`, label: String(i), address: '127.0.0.1' },
        handshakeMs: 30_000,
      });
      link.peer.authenticated(1 << 20, Number(heartbeatMs), Number(heartbeatMs) * 3);
      link.peer.setHandlers({ onMessage: () => undefined, onClose: () => undefined });
      links.push(link);
      return now();
    } catch {
      retries++;
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 50));
    }
  }
}

process.stdin.once('data', async () => {
  const firstAt = now();
  const done = await Promise.all(Array.from({ length: Number(count) }, (_, j) => one(Number(first) + j)));
  const open = links.filter((l) => l.peer.isOpen).length;
  process.stdout.write(JSON.stringify({ connected: open, retries, firstAt, lastAt: Math.max(...done) }) + '\n');
});
