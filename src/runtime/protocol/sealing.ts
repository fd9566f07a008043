// Sealed frames: after the handshake every frame carries a MAC, so that nobody on the path can
// change, inject, replay, drop or reorder a message on an authenticated connection. Each direction
// has its own key, derived from the run secret and both challenges of this connection's handshake,
// and its own frame counter; the tag is HMAC-SHA256(key, counter || body), cut to 16 bytes.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { FrameError } from './frames';

export const TAG_BYTES = 16;

export interface SessionKeys {
  /** Seals what this side sends. */
  send: Buffer;
  /** Opens what this side receives. */
  receive: Buffer;
}

function tag(key: Buffer, counter: bigint, body: Buffer): Buffer {
  const prefix = Buffer.allocUnsafe(8);
  prefix.writeBigUInt64BE(counter, 0);
  return createHmac('sha256', key).update(prefix).update(body).digest().subarray(0, TAG_BYTES);
}

export class FrameSealer {
  private counter = 0n;
  constructor(private readonly key: Buffer) {}

  /** body || tag */
  seal(body: Buffer): Buffer {
    return Buffer.concat([body, tag(this.key, this.counter++, body)]);
  }
}

export class FrameOpener {
  private counter = 0n;
  constructor(private readonly key: Buffer) {}

  /** The body of a sealed payload; FrameError if the tag does not match the next expected frame. */
  open(payload: Buffer): Buffer {
    if (payload.length <= TAG_BYTES) throw new FrameError('frame is too short to be sealed');
    const body = payload.subarray(0, payload.length - TAG_BYTES);
    const expected = tag(this.key, this.counter, body);
    if (!timingSafeEqual(expected, payload.subarray(payload.length - TAG_BYTES))) {
      throw new FrameError('frame failed authentication: changed, injected, replayed or out of order');
    }
    this.counter++;
    return body;
  }
}
