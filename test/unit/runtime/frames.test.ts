import * as assert from 'node:assert/strict';
import { FrameDecoder, FrameError, HEADER_BYTES, encodeFrame } from '../../../src/runtime/protocol/frames';

function rawFrame(body: string | Buffer): Buffer {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const head = Buffer.alloc(HEADER_BYTES);
  head.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([head, bytes]);
}

suite('runtime frames', () => {
  test('a message survives encode and decode, multibyte text included', () => {
    const message = { t: 'result', index: 3, reason: 'Grüße, 世界 ✓' };
    const frame = encodeFrame(message);
    assert.equal(frame.readUInt32BE(0), frame.length - HEADER_BYTES);
    assert.deepEqual(new FrameDecoder(1024).push(frame), [message]);
  });

  test('frames split at every byte and frames sharing one chunk both decode in order', () => {
    const messages = [{ t: 'a' }, { t: 'b', n: 1 }, { t: 'c', s: 'x'.repeat(300) }];
    const stream = Buffer.concat(messages.map(encodeFrame));
    const decoder = new FrameDecoder(1024);
    const out: unknown[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...decoder.push(stream.subarray(i, i + 1)));
    assert.deepEqual(out, messages);
    assert.deepEqual(new FrameDecoder(1024).push(stream), messages);
  });

  test('an oversized frame is refused from its header alone, before its body arrives', () => {
    const decoder = new FrameDecoder(100);
    const head = Buffer.alloc(HEADER_BYTES);
    head.writeUInt32BE(101, 0);
    assert.throws(
      () => decoder.push(head),
      (e: unknown) => e instanceof FrameError && /101 bytes is over the limit of 100/.test(String(e)),
    );
    // A frame at the limit is fine.
    const body = JSON.stringify({ t: 'x', pad: '' });
    const exact = { t: 'x', pad: 'p'.repeat(100 - Buffer.byteLength(body)) };
    assert.deepEqual(new FrameDecoder(100).push(encodeFrame(exact)), [exact]);
  });

  test('a huge declared length (4 GiB) is refused, not allocated', () => {
    assert.throws(() => new FrameDecoder(1 << 20).push(Buffer.from([0xff, 0xff, 0xff, 0xff])), FrameError);
  });

  test('garbage is refused: not JSON, JSON that is not an object, an empty frame', () => {
    for (const body of ['hello', '{"t":', '[1,2]', 'null', '42', '"text"', Buffer.from([0xc3, 0x28, 0xff])]) {
      assert.throws(() => new FrameDecoder(1024).push(rawFrame(body)), FrameError, `accepted ${String(body)}`);
    }
    assert.throws(() => new FrameDecoder(1024).push(rawFrame('')), /empty frame/);
    // An HTTP request sent to the port by mistake is garbage too: its first four bytes read as a huge length.
    assert.throws(() => new FrameDecoder(4096).push(Buffer.from('GET / HTTP/1.1\r\n\r\n')), FrameError);
  });

  test('a partial frame waits for the rest', () => {
    const frame = encodeFrame({ t: 'beat' });
    const decoder = new FrameDecoder(1024);
    assert.deepEqual(decoder.push(frame.subarray(0, 6)), []);
    assert.deepEqual(decoder.push(frame.subarray(6)), [{ t: 'beat' }]);
  });
});
