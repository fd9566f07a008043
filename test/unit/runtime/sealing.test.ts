// Sealed frames after the handshake: a frame that was changed, injected, replayed, dropped or
// reordered is refused; the two sides derive matching keys; the switch from plain to sealed frames
// happens exactly between the welcome and the next frame, even when both arrive in one chunk.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Socket } from 'node:net';
import { ManagerHandshake, WorkerHandshake, sessionKeys } from '../../../src/runtime/protocol/auth';
import { encodeFrame, FrameError, HEADER_BYTES } from '../../../src/runtime/protocol/frames';
import { Peer } from '../../../src/runtime/protocol/peer';
import { FrameOpener, FrameSealer, TAG_BYTES } from '../../../src/runtime/protocol/sealing';

const note = (text: string) => ({ t: 'note', text });
const body = (text: string) => Buffer.from(JSON.stringify(note(text)));
/** What the receiving side's decoder hands to the opener: the frame without its header. */
const sealedPayload = (sealer: FrameSealer, text: string) => sealer.frame(note(text)).subarray(HEADER_BYTES);

suite('runtime sealed frames', () => {
  const key = randomBytes(32);

  test('frames sealed in order open in order', () => {
    const sealer = new FrameSealer(key);
    const opener = new FrameOpener(key);
    for (const text of ['one', 'two', 'three']) {
      const sealed = sealedPayload(sealer, text);
      assert.equal(sealed.length, body(text).length + TAG_BYTES);
      assert.deepEqual(opener.open(sealed), body(text));
    }
  });

  test('changed, injected, replayed, dropped or reordered frames are refused', () => {
    const frames = () => {
      const sealer = new FrameSealer(key);
      return ['a', 'b', 'c'].map((text) => sealedPayload(sealer, text));
    };
    const refuses = (sequence: Buffer[], why: string) => {
      const opener = new FrameOpener(key);
      assert.throws(
        () => sequence.forEach((frame) => opener.open(frame)),
        (error: Error) => error instanceof FrameError && /failed authentication|too short/.test(error.message),
        why,
      );
    };
    const [a, b, c] = frames();
    const flipped = Buffer.from(b);
    flipped[3] ^= 0x01;
    refuses([a, flipped], 'one bit of the body changed');
    const badTag = Buffer.from(b);
    badTag[badTag.length - 1] ^= 0x80;
    refuses([a, badTag], 'one bit of the tag changed');
    refuses([a, a], 'a replayed frame');
    refuses([a, c], 'a dropped frame');
    refuses([b, a], 'reordered frames');
    refuses([a, encodeFrame({ t: 'result', index: 1 }).subarray(4)], 'an unsealed frame');
    refuses([Buffer.alloc(TAG_BYTES)], 'a frame that is all tag');
    const otherKey = sealedPayload(new FrameSealer(randomBytes(32)), 'a');
    refuses([otherKey], 'a frame sealed with another key');
  });

  test('each side sends with the key the other receives with; keys differ per connection and direction', () => {
    const secret = randomBytes(32);
    const manager = sessionKeys(secret, 'manager', 'run-1', 'aa'.repeat(32), 'bb'.repeat(32));
    const worker = sessionKeys(secret, 'worker', 'run-1', 'aa'.repeat(32), 'bb'.repeat(32));
    assert.deepEqual(manager.send, worker.receive);
    assert.deepEqual(manager.receive, worker.send);
    assert.notDeepEqual(manager.send, manager.receive);
    const otherConnection = sessionKeys(secret, 'manager', 'run-1', 'aa'.repeat(32), 'cc'.repeat(32));
    assert.notDeepEqual(otherConnection.send, manager.send);
    const otherRun = sessionKeys(secret, 'manager', 'run-2', 'aa'.repeat(32), 'bb'.repeat(32));
    assert.notDeepEqual(otherRun.send, manager.send);
  });

  test('over TCP: the welcome and the first sealed frame in one chunk; then a tampered frame drops the connection', async () => {
    const secret = randomBytes(32);
    const accepted = new Promise<Socket>((resolve) => {
      const server = createServer((socket) => {
        server.close();
        resolve(socket);
      });
      server.listen(0, '127.0.0.1', () => {
        const address = server.address() as { port: number };
        clientSocket = connect(address.port, '127.0.0.1');
      });
    });
    let clientSocket!: Socket;
    const managerSocket = await accepted;

    // Manager side, by hand, so the test controls how bytes are cut into chunks.
    const managerHandshake = new ManagerHandshake(secret, 'run-tcp');
    const worker = new Peer(clientSocket, 1 << 20);
    const workerHandshake = new WorkerHandshake(secret, { workerId: 'w1', label: '1', address: '127.0.0.1' });
    const received: Record<string, unknown>[] = [];
    const closed = new Promise<string>((resolve) =>
      worker.setHandlers({
        onMessage: (message) => {
          if (message.t === 'hello') {
            worker.send(workerHandshake.answer(message as never));
          } else if (message.t === 'welcome') {
            workerHandshake.verify(message as never);
            worker.seal(workerHandshake.keys());
          } else {
            received.push(message);
          }
        },
        onClose: resolve,
      }),
    );
    const fromWorker: Buffer[] = [];
    managerSocket.on('data', (chunk: Buffer) => fromWorker.push(chunk));
    managerSocket.write(encodeFrame(managerHandshake.hello));
    while (fromWorker.length === 0) await new Promise((r) => setTimeout(r, 5));
    const hello = JSON.parse(Buffer.concat(fromWorker).subarray(4).toString());
    const welcomeProof = managerHandshake.verify(hello);
    const keys = managerHandshake.keys();
    const sealer = new FrameSealer(keys.send);
    const welcome = encodeFrame({ t: 'welcome', proof: welcomeProof, mode: 'tasks', slots: 1, heartbeatMs: 1000 });
    const first = sealer.frame(note('first'));
    managerSocket.write(Buffer.concat([welcome, first])); // one chunk: plain welcome, then sealed

    const second = sealer.frame(note('second'));
    managerSocket.write(second);
    while (received.length < 2) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(
      received.map((m) => m.text),
      ['first', 'second'],
    );

    // A man in the middle rewrites one byte of the next frame: the worker hangs up.
    const third = sealer.frame(note('third: rm -rf /'));
    third[10] ^= 0x20;
    managerSocket.write(third);
    assert.match(await closed, /failed authentication/);
    assert.equal(received.length, 2, 'the tampered frame was not delivered');
    managerSocket.destroy();
  });
});
