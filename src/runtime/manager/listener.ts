// The manager's TCP listener. Every connection must finish the challenge-response handshake within
// the handshake deadline, in small frames; a peer that fails it, sends garbage or an oversized frame,
// or stays silent is dropped and never reaches the run. Authenticated workers are handed on.
//
// Strangers cost little: drops are counted (summary.json's droppedConnections) and logged as one
// line, then summed up at most once per `dropLogMs` (anyone who can reach the port must not control
// how much the log grows); at most `maxHalfOpen` connections may be in their handshake at once, and
// when a new one would pass that cap the oldest is dropped, so a flood cannot use up file
// descriptors or memory, and a worker that is turned away retries.
import { createServer, type Server, type Socket } from 'node:net';
import { AuthError, ManagerHandshake } from '../protocol/auth';
import {
  HANDSHAKE_MAX_FRAME_BYTES,
  MAX_FRAME_BYTES,
  asWorkerHello,
  type Setup,
  type Welcome,
  type WorkerHello,
} from '../protocol/messages';
import { Peer } from '../protocol/peer';
import { formatSeconds } from '../processes';
import type { Log } from '../log';

export interface ConnectedWorker {
  id: string;
  label: string;
  address: string;
  peer: Peer;
}

export interface ListenerOptions {
  secret: Buffer;
  runId: string;
  welcome: Omit<Welcome, 't' | 'proof'>;
  handshakeMs: number;
  heartbeatMs: number;
  silenceMs: number;
  log: Log;
  onWorker(worker: ConnectedWorker): void;
  /** Dropped strangers are summed up in one log line at most this often (default 60 s). */
  dropLogMs?: number;
  /** Connections in their handshake at the same time (default 4096); beyond it the oldest is dropped. */
  maxHalfOpen?: number;
}

/** Worker challenges already used; a hello that repeats one is a replay. Bounded so it cannot grow without end. */
const SEEN_LIMIT = 100_000;
export const DROP_LOG_MS = 60_000;
export const MAX_HALF_OPEN = 4096;
/** Distinct reasons and addresses a drop summary keeps (the rest are only counted). */
const SUMMARY_KEEPS = 5;

class DropSummary {
  count = 0;
  readonly reasons = new Map<string, number>();
  readonly from = new Set<string>();
  addresses = 0;

  add(remote: string, reason: string): void {
    this.count++;
    const kind = reason.slice(0, 100);
    if (this.reasons.has(kind) || this.reasons.size < SUMMARY_KEEPS) {
      this.reasons.set(kind, (this.reasons.get(kind) ?? 0) + 1);
    } else this.reasons.set('other', (this.reasons.get('other') ?? 0) + 1);
    const host = remote.replace(/:\d+$/, '');
    if (!this.from.has(host)) {
      this.addresses++;
      if (this.from.size < SUMMARY_KEEPS) this.from.add(host);
    }
  }

  describe(interval: string): string {
    const reasons = [...this.reasons].map(([reason, n]) => `${reason} (${n})`).join('; ');
    const hosts = [...this.from].join(', ') + (this.addresses > this.from.size ? ', ...' : '');
    return `${this.count} more connections dropped before they authenticated in the last ${interval}, from ${this.addresses} addresses (${hosts}): ${reasons}`;
  }
}

export class WorkerListener {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly seen = new Set<string>();
  /** Connections still in their handshake, oldest first. */
  private readonly halfOpen = new Set<Peer>();
  private window?: { summary: DropSummary; timer: NodeJS.Timeout };
  /** Connections dropped before authentication; tests and logs read it. */
  dropped = 0;

  constructor(private readonly options: ListenerOptions) {
    this.server = createServer((socket) => this.accept(socket));
    // Many workers register at once; the default backlog (511) is enough only for small runs.
    this.server.maxConnections = 20_000;
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port, backlog: 4096 }, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as { port: number }).port);
      });
    });
  }

  /** Stops accepting and closes every connection that is still open. */
  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.endWindow(false);
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const { secret, runId, handshakeMs } = this.options;
    const peer = new Peer(socket, HANDSHAKE_MAX_FRAME_BYTES);
    const cap = this.options.maxHalfOpen ?? MAX_HALF_OPEN;
    while (this.halfOpen.size >= cap) {
      const oldest: Peer = this.halfOpen.values().next().value!;
      this.halfOpen.delete(oldest);
      oldest.close(`over ${cap} connections in their handshake at once`);
    }
    this.halfOpen.add(peer);
    const handshake = new ManagerHandshake(secret, runId);
    let authenticated = false;
    // An absolute deadline: a peer that trickles bytes must not hold the connection open.
    const deadline = setTimeout(() => peer.close('no handshake in time'), handshakeMs);
    deadline.unref();

    peer.setHandlers({
      onMessage: (message) => {
        if (authenticated) return; // the run installs its own handlers; nothing reaches here after
        try {
          const hello = asWorkerHello(message);
          if (!hello) throw new AuthError('expected a worker hello');
          const proof = handshake.verify(hello);
          this.checkFresh(hello);
          authenticated = true;
          clearTimeout(deadline);
          this.halfOpen.delete(peer);
          const { environment, ...welcome } = this.options.welcome;
          // The welcome is the last plain frame: what the run's tasks see travels sealed.
          // One write for both frames (10,000 workers registering at once: half the system calls).
          peer.socket.cork();
          peer.send({ t: 'welcome', proof, ...welcome, environment: {} } satisfies Welcome);
          peer.seal(handshake.keys());
          peer.send({ t: 'setup', environment } satisfies Setup);
          peer.socket.uncork();
          peer.authenticated(MAX_FRAME_BYTES, this.options.heartbeatMs, this.options.silenceMs);
          peer.detach();
          this.options.onWorker({ id: hello.workerId, label: hello.label, address: hello.address, peer });
        } catch (error) {
          peer.close(error instanceof AuthError ? error.message : 'handshake failed');
        }
      },
      onClose: (reason) => {
        clearTimeout(deadline);
        this.halfOpen.delete(peer);
        if (!authenticated) this.drop(peer.remote, reason);
      },
    });
    peer.send(handshake.hello);
  }

  /** Counts a drop; the first of a quiet spell gets its own line, later ones one summary per interval. */
  private drop(remote: string, reason: string): void {
    this.dropped++;
    if (this.window) {
      this.window.summary.add(remote, reason);
      return;
    }
    const ms = this.options.dropLogMs ?? DROP_LOG_MS;
    this.options.log(
      `dropped a connection from ${remote} before it authenticated: ${reason} (more drops are summed up every ${formatSeconds(ms)})`,
    );
    const timer = setTimeout(() => this.endWindow(true), ms);
    timer.unref();
    this.window = { summary: new DropSummary(), timer };
  }

  private endWindow(reopen: boolean): void {
    const window = this.window;
    if (!window) return;
    clearTimeout(window.timer);
    this.window = undefined;
    if (window.summary.count === 0) return;
    const ms = this.options.dropLogMs ?? DROP_LOG_MS;
    this.options.log(window.summary.describe(formatSeconds(ms)));
    if (reopen) {
      // Drops went on: the next line waits a whole interval again.
      const timer = setTimeout(() => this.endWindow(true), ms);
      timer.unref();
      this.window = { summary: new DropSummary(), timer };
    }
  }

  private checkFresh(hello: WorkerHello): void {
    if (this.seen.has(hello.challenge)) throw new AuthError('replayed worker challenge');
    if (this.seen.size >= SEEN_LIMIT) this.seen.clear();
    this.seen.add(hello.challenge);
  }
}
