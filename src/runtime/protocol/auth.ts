// Mutual HMAC-SHA256 challenge-response with the run secret. Each side sends a fresh random
// challenge and proves it knows the secret by MACing both challenges, the run ID and its own role:
// a recorded proof is useless on a new connection (the other side's challenge differs), and a proof
// cannot be reflected back (the role is part of what is MACed).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { PROTOCOL_VERSION, type ManagerHello, type Welcome, type WorkerHello } from './messages';
import type { SessionKeys } from './sealing';

export class AuthError extends Error {}

export const SECRET_BYTES = 32;

export function newChallenge(): string {
  return randomBytes(32).toString('hex');
}

export function newSecret(): Buffer {
  return randomBytes(SECRET_BYTES);
}

/** The text form kept in the store's `secret` object: 64 hex characters and a newline. */
export function formatSecret(secret: Buffer): string {
  return secret.toString('hex') + '\n';
}

/** Reads a stored secret: 64 hex characters (surrounding whitespace ignored), or at least 32 raw bytes. */
export function parseSecret(data: Buffer): Buffer {
  const text = data.toString('latin1').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (data.length >= SECRET_BYTES) return data;
  throw new AuthError('the run secret is malformed (expected 64 hex characters)');
}

export function proof(
  secret: Buffer,
  role: 'manager' | 'worker',
  runId: string,
  managerChallenge: string,
  workerChallenge: string,
): string {
  return createHmac('sha256', secret)
    .update(`batch-runner/${PROTOCOL_VERSION}\n${role}\n${runId}\n${managerChallenge}\n${workerChallenge}`)
    .digest('hex');
}

/** The key that seals the frames one side sends on this connection after the handshake. */
function directionKey(
  secret: Buffer,
  from: 'manager' | 'worker',
  runId: string,
  managerChallenge: string,
  workerChallenge: string,
): Buffer {
  return createHmac('sha256', secret)
    .update(`batch-runner/${PROTOCOL_VERSION}\nsession\n${from}\n${runId}\n${managerChallenge}\n${workerChallenge}`)
    .digest();
}

export function sessionKeys(
  secret: Buffer,
  side: 'manager' | 'worker',
  runId: string,
  managerChallenge: string,
  workerChallenge: string,
): SessionKeys {
  const other = side === 'manager' ? 'worker' : 'manager';
  return {
    send: directionKey(secret, side, runId, managerChallenge, workerChallenge),
    receive: directionKey(secret, other, runId, managerChallenge, workerChallenge),
  };
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** The manager's side of one connection's handshake. */
export class ManagerHandshake {
  readonly hello: ManagerHello;
  private workerChallenge?: string;

  constructor(
    private readonly secret: Buffer,
    runId: string,
    challenge: string = newChallenge(),
  ) {
    this.hello = { t: 'hello', v: PROTOCOL_VERSION, role: 'manager', runId, challenge };
  }

  /** Checks the worker's hello; returns the proof the welcome must carry. Throws AuthError. */
  verify(worker: WorkerHello): string {
    if (worker.v !== PROTOCOL_VERSION) {
      throw new AuthError(`protocol version ${worker.v} is not supported (this manager speaks ${PROTOCOL_VERSION})`);
    }
    if (worker.challenge === this.hello.challenge) throw new AuthError('the worker echoed the manager challenge');
    const expected = proof(this.secret, 'worker', this.hello.runId, this.hello.challenge, worker.challenge);
    if (!sameHex(expected, worker.proof)) throw new AuthError('wrong proof (the worker does not know the run secret)');
    this.workerChallenge = worker.challenge;
    return proof(this.secret, 'manager', this.hello.runId, this.hello.challenge, worker.challenge);
  }

  /** The keys for the sealed frames that follow the welcome. Only after verify() succeeded. */
  keys(): SessionKeys {
    if (!this.workerChallenge) throw new AuthError('no verified worker hello');
    return sessionKeys(this.secret, 'manager', this.hello.runId, this.hello.challenge, this.workerChallenge);
  }
}

export interface WorkerIdentity {
  workerId: string;
  label: string;
  address: string;
}

/** The worker's side: answers the manager's hello, then checks the welcome. */
export class WorkerHandshake {
  private manager?: ManagerHello;
  private verified = false;

  constructor(
    private readonly secret: Buffer,
    private readonly identity: WorkerIdentity,
    private readonly challenge: string = newChallenge(),
  ) {}

  answer(manager: ManagerHello): WorkerHello {
    if (manager.v !== PROTOCOL_VERSION) {
      throw new AuthError(`the manager speaks protocol version ${manager.v}, this worker ${PROTOCOL_VERSION}`);
    }
    if (manager.challenge === this.challenge) throw new AuthError('the manager echoed the worker challenge');
    this.manager = manager;
    return {
      t: 'hello',
      v: PROTOCOL_VERSION,
      role: 'worker',
      ...this.identity,
      challenge: this.challenge,
      proof: proof(this.secret, 'worker', manager.runId, manager.challenge, this.challenge),
    };
  }

  verify(welcome: Welcome): void {
    if (!this.manager) throw new AuthError('welcome before hello');
    const expected = proof(this.secret, 'manager', this.manager.runId, this.manager.challenge, this.challenge);
    if (!sameHex(expected, welcome.proof))
      throw new AuthError('wrong proof (the manager does not know the run secret)');
    this.verified = true;
  }

  /** The keys for the sealed frames that follow the welcome. Only after verify() succeeded. */
  keys(): SessionKeys {
    if (!this.manager || !this.verified) throw new AuthError('no verified welcome');
    return sessionKeys(this.secret, 'worker', this.manager.runId, this.manager.challenge, this.challenge);
  }

  get runId(): string | undefined {
    return this.manager?.runId;
  }
}
