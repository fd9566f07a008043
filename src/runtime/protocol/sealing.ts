// Sealed frames: after the handshake every frame is encrypted and authenticated with AES-256-GCM,
// so that nobody on the path can read a task's input or output, nor change, inject, replay, drop
// or reorder a message on an authenticated connection. Each direction has its own key, derived
// from the run secret and both challenges of this connection's handshake (protocol/auth.ts), and
// its own frame counter: the nonce of frame n is 4 zero bytes then n as 8 bytes big-endian, so a
// nonce is never used twice with a key, and a frame opens only at its own place in the sequence.
// The frame's length header is authenticated too (additional data). On the wire a sealed frame is
// the 4-byte length, the ciphertext (as long as the JSON text) and the 16-byte GCM tag.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { FrameError, HEADER_BYTES } from './frames';

export const TAG_BYTES = 16;
const NONCE_BYTES = 12;
const CIPHER = 'aes-256-gcm';

export interface SessionKeys {
  /** Seals what this side sends. */
  send: Buffer;
  /** Opens what this side receives. */
  receive: Buffer;
}

/** One direction's key and frame counter. */
class Direction {
  private counter = 0n;
  private readonly nonceBytes = Buffer.alloc(NONCE_BYTES);

  constructor(readonly key: Buffer) {
    if (key.length !== 32) throw new Error('a session key has 32 bytes');
  }

  /** The nonce of the next frame; advance() once the frame is sealed or accepted. */
  nonce(): Buffer {
    this.nonceBytes.writeBigUInt64BE(this.counter, NONCE_BYTES - 8);
    return this.nonceBytes;
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

  /** A whole frame (header, ciphertext, tag) for a message, in one buffer. */
  frame(message: object): Buffer {
    return this.seal(Buffer.from(JSON.stringify(message), 'utf8'));
  }

  /** A whole frame for a body that is already encoded. */
  seal(body: Buffer): Buffer {
    const length = body.length;
    const frame = Buffer.allocUnsafe(HEADER_BYTES + length + TAG_BYTES);
    frame.writeUInt32BE(length + TAG_BYTES, 0);
    const cipher = createCipheriv(CIPHER, this.direction.key, this.direction.nonce(), { authTagLength: TAG_BYTES });
    cipher.setAAD(frame.subarray(0, HEADER_BYTES));
    const encrypted = cipher.update(body);
    encrypted.copy(frame, HEADER_BYTES);
    // GCM is a stream mode: final() adds no bytes.
    cipher.final();
    cipher.getAuthTag().copy(frame, HEADER_BYTES + length);
    this.direction.advance();
    return frame;
  }
}

export class FrameOpener {
  private readonly direction: Direction;
  private readonly header = Buffer.alloc(HEADER_BYTES);
  constructor(key: Buffer) {
    this.direction = new Direction(key);
  }

  /** The plain body of a sealed payload (the frame without its header); FrameError unless it is the next expected frame. */
  open(payload: Buffer): Buffer {
    if (payload.length <= TAG_BYTES) throw new FrameError('frame is too short to be sealed');
    const length = payload.length - TAG_BYTES;
    this.header.writeUInt32BE(payload.length, 0);
    try {
      const decipher = createDecipheriv(CIPHER, this.direction.key, this.direction.nonce(), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(this.header);
      decipher.setAuthTag(payload.subarray(length));
      const body = decipher.update(payload.subarray(0, length));
      decipher.final();
      this.direction.advance();
      return body;
    } catch {
      throw new FrameError('frame failed authentication: changed, injected, replayed or out of order');
    }
  }
}
