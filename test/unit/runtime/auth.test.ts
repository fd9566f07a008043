import * as assert from 'node:assert/strict';
import {
  AuthError,
  ManagerHandshake,
  WorkerHandshake,
  formatSecret,
  newSecret,
  parseSecret,
  proof,
} from '../../../src/runtime/protocol/auth';
import type { Welcome } from '../../../src/runtime/protocol/messages';

const identity = { workerId: 'job:0', label: '0', address: '10.0.0.5' };

function welcome(proof: string): Welcome {
  return { t: 'welcome', proof, mode: 'tasks', slots: 1, heartbeatMs: 5000, environment: {} };
}

suite('runtime auth handshake', () => {
  const secret = newSecret();

  test('both sides prove the secret and accept each other', () => {
    const manager = new ManagerHandshake(secret, 'run-1');
    const worker = new WorkerHandshake(secret, identity);
    const hello = worker.answer(manager.hello);
    const proof = manager.verify(hello);
    worker.verify(welcome(proof));
    assert.equal(worker.runId, 'run-1');
    assert.notEqual(hello.proof, proof, 'the two directions must use different proofs');
  });

  test('a worker with a wrong secret is rejected by the manager', () => {
    const manager = new ManagerHandshake(secret, 'run-1');
    const hello = new WorkerHandshake(newSecret(), identity).answer(manager.hello);
    assert.throws(
      () => manager.verify(hello),
      (e: unknown) => e instanceof AuthError && /wrong proof/.test(String(e)),
    );
  });

  test('a manager with a wrong secret is rejected by the worker', () => {
    const wrong = newSecret();
    const impostor = new ManagerHandshake(wrong, 'run-1');
    const worker = new WorkerHandshake(secret, identity);
    const hello = worker.answer(impostor.hello);
    // The best an impostor can do: MAC the challenges with the secret it has.
    const forged = proof(wrong, 'manager', 'run-1', impostor.hello.challenge, hello.challenge);
    assert.throws(() => worker.verify(welcome(forged)), /wrong proof/);
    assert.throws(() => worker.verify(welcome('00'.repeat(32))), /wrong proof/);
  });

  test('a recorded worker hello replayed on a new connection is rejected (fresh challenge)', () => {
    const first = new ManagerHandshake(secret, 'run-1');
    const recorded = new WorkerHandshake(secret, identity).answer(first.hello);
    first.verify(recorded);
    const second = new ManagerHandshake(secret, 'run-1');
    assert.notEqual(second.hello.challenge, first.hello.challenge);
    assert.throws(() => second.verify(recorded), /wrong proof/);
  });

  test('a recorded welcome replayed to a new worker connection is rejected', () => {
    const manager = new ManagerHandshake(secret, 'run-1');
    const recordedProof = manager.verify(new WorkerHandshake(secret, identity).answer(manager.hello));
    // An attacker replays the same manager hello and the recorded welcome to another worker.
    const victim = new WorkerHandshake(secret, identity);
    victim.answer(manager.hello);
    assert.throws(() => victim.verify(welcome(recordedProof)), /wrong proof/);
  });

  test("reflection is refused: echoing the other side's challenge, or returning its own proof", () => {
    const manager = new ManagerHandshake(secret, 'run-1');
    const { challenge } = manager.hello;
    const echo = {
      ...new WorkerHandshake(secret, identity).answer(manager.hello),
      challenge,
      proof: proof(secret, 'worker', 'run-1', challenge, challenge),
    };
    assert.throws(() => manager.verify(echo), /echoed/);
    // A manager that sends the worker's own proof back does not pass: the role is part of the MAC.
    const worker = new WorkerHandshake(secret, identity);
    const hello = worker.answer(manager.hello);
    assert.throws(() => worker.verify(welcome(hello.proof)), /wrong proof/);
  });

  test('a proof for another run ID is rejected', () => {
    const runA = new ManagerHandshake(secret, 'run-a');
    const runB = new ManagerHandshake(secret, 'run-b', runA.hello.challenge);
    const hello = new WorkerHandshake(secret, identity).answer(runA.hello);
    assert.throws(() => runB.verify(hello), /wrong proof/);
  });

  test('another protocol version is refused with a clear reason', () => {
    const manager = new ManagerHandshake(secret, 'run-1');
    const hello = { ...new WorkerHandshake(secret, identity).answer(manager.hello), v: 1 };
    assert.throws(() => manager.verify(hello), /protocol version 1 is not supported/);
  });

  test('the stored secret round-trips as hex; short or malformed secrets are refused', () => {
    const text = formatSecret(secret);
    assert.match(text, /^[0-9a-f]{64}\n$/);
    assert.deepEqual(parseSecret(Buffer.from(text)), secret);
    assert.deepEqual(parseSecret(Buffer.from(`  ${text.toUpperCase()}  `)), secret);
    assert.throws(() => parseSecret(Buffer.from('abc')), AuthError);
  });
});
