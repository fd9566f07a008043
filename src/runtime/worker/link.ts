// A worker's connection to its manager: TCP connect, then the worker side of the handshake. The
// manager must prove it knows the run secret too, so a stranger at the address cannot hand out tasks.
import { connect } from 'node:net';
import { AuthError, WorkerHandshake, type WorkerIdentity } from '../protocol/auth';
import { MAX_FRAME_BYTES, asManagerHello, asWelcome, type Welcome } from '../protocol/messages';
import { Peer } from '../protocol/peer';

export interface Link {
  peer: Peer;
  welcome: Welcome;
  runId: string;
}

export interface LinkOptions {
  host: string;
  port: number;
  secret: Buffer;
  identity: WorkerIdentity;
  handshakeMs: number;
}

/** Connects and authenticates; rejects with the reason when either fails. */
export function connectToManager(options: LinkOptions): Promise<Link> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: options.host, port: options.port });
    const peer = new Peer(socket, MAX_FRAME_BYTES);
    const handshake = new WorkerHandshake(options.secret, options.identity);
    let settled = false;
    let connected = false;
    socket.once('connect', () => (connected = true));
    const deadline = setTimeout(
      () =>
        peer.close(
          connected
            ? 'no handshake in time'
            : `no TCP connection within ${Math.round(options.handshakeMs / 100) / 10} s (no answer at all: a firewall or security group drops it)`,
        ),
      options.handshakeMs,
    );
    const finish = (error?: Error, link?: Link) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (error) reject(error);
      else resolve(link!);
    };
    peer.setHandlers({
      onMessage: (message) => {
        try {
          if (!handshake.runId) {
            const hello = asManagerHello(message);
            if (!hello) throw new AuthError('expected the manager hello');
            peer.send(handshake.answer(hello));
            return;
          }
          const welcome = asWelcome(message);
          if (!welcome) throw new AuthError('expected a welcome');
          handshake.verify(welcome);
          peer.seal(handshake.keys());
          peer.detach();
          finish(undefined, { peer, welcome, runId: handshake.runId });
        } catch (error) {
          peer.close(error instanceof Error ? error.message : String(error));
        }
      },
      onClose: (reason) => finish(new Error(reason)),
    });
  });
}
