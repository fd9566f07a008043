import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSecret, readSecret } from '../../../src/runtime/store/secret';
import { openStore } from '../../../src/runtime/store/openStore';
import { parseS3Uri } from '../../../src/runtime/store/store';

suite('runtime run store (filesystem)', () => {
  let dir: string;
  setup(() => (dir = mkdtempSync(join(tmpdir(), 'store-test-'))));
  teardown(() => rmSync(dir, { recursive: true, force: true }));

  test('write, read, stream a file in, and refuse keys that leave the folder', async () => {
    const store = await openStore(dir);
    assert.equal(await store.read('progress.json'), undefined);
    await store.write('progress.json', '{"a":1}');
    assert.equal((await store.read('progress.json'))?.toString(), '{"a":1}');
    const file = join(dir, 'big.bin');
    writeFileSync(file, Buffer.alloc(3 * 1024 * 1024, 7));
    await store.upload('tasks/4/data/big.bin', file);
    assert.equal(statSync(join(dir, 'tasks/4/data/big.bin')).size, 3 * 1024 * 1024);
    await assert.rejects(store.write('../escape', 'x'), /leaves the run folder/);
    await assert.rejects(store.read('/etc/passwd'), /leaves the run folder/);
  });

  test('the secret is created once, private, and read back by workers', async () => {
    const store = await openStore(dir);
    assert.equal(await readSecret(store), undefined);
    const secret = await ensureSecret(store);
    assert.equal(secret.length, 32);
    assert.deepEqual(await ensureSecret(store), secret, 'an existing secret is kept');
    assert.deepEqual(await readSecret(store), secret);
    assert.equal(statSync(join(dir, 'secret')).mode & 0o777, 0o600);
  });

  test('s3 locations parse into bucket and prefix', () => {
    assert.deepEqual(parseS3Uri('s3://b/runs/mc-1/'), { bucket: 'b', prefix: 'runs/mc-1/' });
    assert.deepEqual(parseS3Uri('s3://b/runs/mc-1'), { bucket: 'b', prefix: 'runs/mc-1/' });
    assert.deepEqual(parseS3Uri('s3://b'), { bucket: 'b', prefix: '' });
    assert.equal(parseS3Uri('/tmp/run'), undefined);
  });
});
