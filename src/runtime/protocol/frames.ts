// Length-prefixed JSON frames: a 4-byte big-endian byte count, then that many bytes of UTF-8 JSON
// holding one object. The limit is checked on the header, before the body is buffered, so a peer
// cannot make us hold more than one frame's worth of memory.
export const HEADER_BYTES = 4;

/** The peer broke the framing rules; the connection must be dropped. */
export class FrameError extends Error {}

export function encodeFrame(message: object): Buffer {
  const body = JSON.stringify(message);
  const length = Buffer.byteLength(body);
  const frame = Buffer.allocUnsafe(HEADER_BYTES + length);
  frame.writeUInt32BE(length, 0);
  frame.write(body, HEADER_BYTES, 'utf8');
  return frame;
}

export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(public maxFrameBytes: number) {}

  /** Feeds received bytes; returns the complete messages they finish. Throws FrameError on bad input. */
  push(chunk: Buffer): Record<string, unknown>[] {
    this.write(chunk);
    const messages: Record<string, unknown>[] = [];
    for (let payload = this.next(); payload; payload = this.next()) messages.push(parseBody(payload));
    return messages;
  }

  /** Buffers received bytes; take the frames out one at a time with next(). */
  write(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * The payload of the next complete frame, or undefined until more bytes arrive. One at a time, so
   * that what one frame changes (the handshake switching to sealed frames) applies to the next.
   * Throws FrameError on bad input.
   */
  next(): Buffer | undefined {
    if (this.buffered < HEADER_BYTES) return undefined;
    const length = this.coalesce(HEADER_BYTES).readUInt32BE(0);
    if (length === 0) throw new FrameError('empty frame');
    if (length > this.maxFrameBytes) {
      throw new FrameError(`frame of ${length} bytes is over the limit of ${this.maxFrameBytes}`);
    }
    if (this.buffered < HEADER_BYTES + length) return undefined;
    // consume() only re-slices the chunk list, never writes into it, so the view stays valid.
    const payload = this.coalesce(HEADER_BYTES + length).subarray(HEADER_BYTES, HEADER_BYTES + length);
    this.consume(HEADER_BYTES + length);
    return payload;
  }

  /** Makes the first chunk hold at least `bytes` bytes (joins only when a frame spans chunks). */
  private coalesce(bytes: number): Buffer {
    if (this.chunks[0].length < bytes) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0];
  }

  private consume(bytes: number): void {
    const first = this.chunks[0];
    if (first.length === bytes) this.chunks.shift();
    else this.chunks[0] = first.subarray(bytes);
    this.buffered -= bytes;
  }
}

export function parseBody(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new FrameError('frame is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FrameError('frame is not a JSON object');
  }
  return value as Record<string, unknown>;
}
