import * as assert from 'node:assert/strict';
import { asToManager, asToWorker, asWorkerHello } from '../../../src/runtime/protocol/messages';

const hex = (n: number) => 'ab'.repeat(n);

suite('runtime message checks', () => {
  test('well-formed messages pass', () => {
    assert.ok(asToManager({ t: 'want', n: 2 }));
    assert.ok(asToManager({ t: 'result', index: 0, attempt: 1, ok: true, exitCode: 0, signal: null, ms: 3 }));
    assert.ok(asToWorker({ t: 'task', index: 4, attempt: 1, command: ['sh', '-c', 'true'], timeoutMs: 1000 }));
    assert.ok(asToWorker({ t: 'shutdown', reason: 'done' }));
    const hello = { t: 'hello', v: 1, role: 'worker', workerId: 'j:1', label: '1', address: '10.0.0.2' };
    assert.ok(asWorkerHello({ ...hello, challenge: hex(32), proof: hex(32) }));
  });

  test('malformed or unknown messages are refused', () => {
    assert.equal(asToManager({ t: 'want', n: 0 }), undefined);
    assert.equal(asToManager({ t: 'want', n: -1 }), undefined);
    assert.equal(
      asToManager({ t: 'result', index: 'x', attempt: 1, ok: true, exitCode: 0, signal: null, ms: 1 }),
      undefined,
    );
    assert.equal(asToManager({ t: 'task', index: 1 }), undefined, 'a worker cannot send manager messages');
    assert.equal(asToManager({ t: 'nonsense' }), undefined);
    assert.equal(asToWorker({ t: 'task', index: 1, attempt: 1, command: [] }), undefined);
    assert.equal(asToWorker({ t: 'task', index: 1, attempt: 1, command: [1] }), undefined);
    assert.equal(asToWorker({ t: 'start', command: ['x'], env: { A: 1 } }), undefined);
    const hello = { t: 'hello', v: 1, role: 'worker', workerId: 'w', label: '1', address: 'a', challenge: hex(32) };
    assert.equal(asWorkerHello({ ...hello, proof: hex(16) }), undefined, 'short proof');
    assert.equal(asWorkerHello({ ...hello, proof: 'zz'.repeat(32) }), undefined, 'not hex');
    assert.equal(asWorkerHello({ ...hello, role: 'manager', proof: hex(32) }), undefined);
  });
});
