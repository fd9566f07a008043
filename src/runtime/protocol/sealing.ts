// Sealed frames: after the handshake every frame carries a MAC, so that nobody on the path can
// change, inject, replay, drop or reorder a message on an authenticated connection. Each direction
// has its own key, derived from the run secret and both challenges of this connection's handshake,
// and its own frame counter; the tag is HMAC-SHA256(key, counter || body), cut to 16 bytes.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { FrameError, HEADER_BYTES } from './frames';

export const TAG_BYTES = 16;

export interface SessionKeys {
  /** Seals what this side sends. */
  send: Buffer;
  /** Opens what this side receives. */
  receive: Buffer;
}

/** One direction's key and frame counter. */
class Direction {
  private counter = 0n;
  private readonly counterBytes = Buffer.alloc(8);

  constructor(private readonly key: Buffer) {}

  /** The tag of the next frame's body; advance() once the frame is accepted. */
  tag(body: Buffer): Buffer {
    this.counterBytes.writeBigUInt64BE(this.counter, 0);
    return createHmac('sha256', this.key).update(this.counterBytes).update(body).digest().subarray(0, TAG_BYTES);
  }

  advance(): void {
    this.counter++;
  }
}

export class FrameSealer {
  private readonly direction: Direction;
  constructor(key: Buffer) {
    this.direction = new Direction(key);
  }

  /** A whole frame (header, body, tag) for a message, in one buffer. */
  frame(message: object): Buffer {
    const text = JSON.stringify(message);
    const length = Buffer.byteLength(text);
    const frame = Buffer.allocUnsafe(HEADER_BYTES + length + TAG_BYTES);
    frame.writeUInt32BE(length + TAG_BYTES, 0);
    frame.write(text, HEADER_BYTES, 'utf8');
    this.direction.tag(frame.subarray(HEADER_BYTES, HEADER_BYTES + length)).copy(frame, HEADER_BYTES + length);
    this.direction.advance();
    return frame;
  }
}

export class FrameOpener {
  private readonly direction: Direction;
  constructor(key: Buffer) {
    this.direction = new Direction(key);
  }

  /** The body of a sealed payload; FrameError if the tag does not match the next expected frame. */
  open(payload: Buffer): Buffer {
    if (payload.length <= TAG_BYTES) throw new FrameError('frame is too short to be sealed');
    const body = payload.subarray(0, payload.length - TAG_BYTES);
    if (!timingSafeEqual(this.direction.tag(body), payload.subarray(payload.length - TAG_BYTES))) {
      throw new FrameError('frame failed authentication: changed, injected, replayed or out of order');
    }
    this.direction.advance();
    return body;
  }
}
