// One TCP connection speaking frames: decodes incoming messages, sends heartbeats, and drops the
// connection when the peer breaks the framing, goes silent, or stops reading what we send.
import type { Socket } from 'node:net';
import { FrameDecoder, FrameError, encodeFrame, parseBody } from './frames';
import { FrameOpener, FrameSealer, type SessionKeys } from './sealing';

/** A peer that lets this much pile up unread in our send buffer is not keeping up; drop it. */
const MAX_UNSENT_BYTES = 16 * 1024 * 1024;

export interface PeerHandlers {
  onMessage(message: Record<string, unknown>): void;
  onClose(reason: string): void;
}

export class Peer {
  private readonly decoder: FrameDecoder;
  private lastHeard = Date.now();
  private timer?: NodeJS.Timeout;
  private closed = false;
  private closeReason = '';
  /** While no handlers are set (between the handshake and the run taking over), messages wait here. */
  private handlers?: PeerHandlers;
  private backlog: Record<string, unknown>[] = [];

  private knownRemote?: string;
  private silenceMs = 0;
  private sealer?: FrameSealer;
  private opener?: FrameOpener;

  /** Until authenticated() the owner enforces a handshake deadline; no heartbeats flow yet. */
  constructor(
    readonly socket: Socket,
    maxFrameBytes: number,
  ) {
    this.decoder = new FrameDecoder(maxFrameBytes);
    this.remember();
    socket.once('connect', () => this.remember());
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.close(`connection error: ${error.message}`));
    socket.on('close', () => this.close('connection closed'));
  }

  /** Who is at the other end, kept once known (a destroyed socket no longer knows). */
  get remote(): string {
    return this.knownRemote ?? '?';
  }

  private remember(): void {
    if (this.socket.remoteAddress) this.knownRemote = `${this.socket.remoteAddress}:${this.socket.remotePort}`;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Installs handlers and delivers what arrived while there were none. */
  setHandlers(handlers: PeerHandlers): void {
    this.handlers = handlers;
    const waiting = this.backlog;
    this.backlog = [];
    for (const message of waiting) {
      if (this.handlers !== handlers) {
        this.backlog.push(message);
        continue;
      }
      handlers.onMessage(message);
    }
    if (this.closed && this.handlers === handlers) handlers.onClose(this.closeReason);
  }

  /** Hands the connection over: messages are kept until the next setHandlers. */
  detach(): void {
    this.handlers = undefined;
  }

  /** After authentication: larger frames, a heartbeat every `heartbeatMs`, dropped after `silenceMs` of silence. */
  authenticated(maxFrameBytes: number, heartbeatMs: number, silenceMs: number): void {
    this.decoder.maxFrameBytes = maxFrameBytes;
    this.silenceMs = silenceMs;
    this.lastHeard = Date.now();
    this.arm(heartbeatMs);
  }

  /**
   * From now on every frame either way is sealed with the handshake's session keys. Call it right
   * after the last plain handshake frame was sent or received, before the next one is read.
   */
  seal(keys: SessionKeys): void {
    this.sealer = new FrameSealer(keys.send);
    this.opener = new FrameOpener(keys.receive);
  }

  send(message: object): void {
    if (this.closed) return;
    if (this.socket.writableLength > MAX_UNSENT_BYTES) {
      this.close('peer is not reading');
      return;
    }
    this.socket.write(this.sealer ? this.sealer.frame(message) : encodeFrame(message));
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    clearInterval(this.timer);
    this.socket.destroy();
    this.handlers?.onClose(reason);
  }

  /** Sends what is queued, then closes (used for shutdown messages). */
  end(reason: string): void {
    if (this.closed) return;
    this.socket.end(() => this.close(reason));
    setTimeout(() => this.close(reason), 2000).unref();
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    this.lastHeard = Date.now();
    this.decoder.write(chunk);
    // One frame at a time: handling the welcome switches to sealed frames for the very next one.
    while (!this.closed) {
      let message: Record<string, unknown>;
      try {
        const payload = this.decoder.next();
        if (!payload) return;
        message = parseBody(this.opener ? this.opener.open(payload) : payload);
      } catch (error) {
        this.close(error instanceof FrameError ? error.message : String(error));
        return;
      }
      if (this.handlers) this.handlers.onMessage(message);
      else this.backlog.push(message);
    }
  }

  private arm(everyMs: number): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      if (Date.now() - this.lastHeard > this.silenceMs) {
        this.close(`silent for more than ${Math.round(this.silenceMs / 1000)} s`);
      } else {
        this.send({ t: 'beat' });
      }
    }, everyMs);
    this.timer.unref();
  }
}
