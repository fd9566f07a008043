// The manager's TCP listener. Every connection must finish the challenge-response handshake within
// the handshake deadline, in small frames; a peer that fails it, sends garbage or an oversized frame,
// or stays silent is dropped and never reaches the run. Authenticated workers are handed on.
import { createServer, type Server, type Socket } from 'node:net';
import { AuthError, ManagerHandshake } from '../protocol/auth';
import {
  HANDSHAKE_MAX_FRAME_BYTES,
  MAX_FRAME_BYTES,
  asWorkerHello,
  type Welcome,
  type WorkerHello,
} from '../protocol/messages';
import { Peer } from '../protocol/peer';
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
}

/** Worker challenges already used; a hello that repeats one is a replay. Bounded so it cannot grow without end. */
const SEEN_LIMIT = 100_000;

export class WorkerListener {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly seen = new Set<string>();
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
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const { secret, runId, handshakeMs, log } = this.options;
    const peer = new Peer(socket, HANDSHAKE_MAX_FRAME_BYTES);
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
          peer.send({ t: 'welcome', proof, ...this.options.welcome } satisfies Welcome);
          peer.seal(handshake.keys());
          peer.authenticated(MAX_FRAME_BYTES, this.options.heartbeatMs, this.options.silenceMs);
          peer.detach();
          this.options.onWorker({ id: hello.workerId, label: hello.label, address: hello.address, peer });
        } catch (error) {
          peer.close(error instanceof AuthError ? error.message : 'handshake failed');
        }
      },
      onClose: (reason) => {
        clearTimeout(deadline);
        if (!authenticated) {
          this.dropped++;
          log(`dropped a connection from ${peer.remote} before it authenticated: ${reason}`);
        }
      },
    });
    peer.send(handshake.hello);
  }

  private checkFresh(hello: WorkerHello): void {
    if (this.seen.has(hello.challenge)) throw new AuthError('replayed worker challenge');
    if (this.seen.size >= SEEN_LIMIT) this.seen.clear();
    this.seen.add(hello.challenge);
  }
}
