// The S3 run store against moto's S3: small writes, streamed uploads and a multipart upload, the
// run secret, and "absent" reads.
import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { awsConfig } from '../../src/runtime/aws';
import { S3Store } from '../../src/runtime/store/s3Store';
import { ensureSecret, readSecret } from '../../src/runtime/store/secret';
import { parseS3Uri } from '../../src/runtime/store/store';
import { deletePrefix } from './runtimeSupport';

const BUCKET = 'batch-runner-results';

suite('runtime: S3 run store against moto', function () {
  let s3: S3Client;
  let dir: string;
  const prefix = `runtime-s3-test/${Date.now().toString(36)}-${randomBytes(3).toString('hex')}/`;

  suiteSetup(function () {
    if (!process.env.AWS_ENDPOINT_URL)
      throw new Error('Start the stand-ins first: eval "$(bash scripts/backend.sh env)"');
    s3 = new S3Client(awsConfig('S3'));
    dir = mkdtempSync(join(tmpdir(), 's3-store-test-'));
  });
  suiteTeardown(async function () {
    if (!s3) return;
    await deletePrefix(s3, BUCKET, prefix);
    s3.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test('write, read, absent keys, and the run secret', async function () {
    const uri = `s3://${BUCKET}/${prefix}`;
    const store = new S3Store(uri, parseS3Uri(uri)!);
    try {
      assert.equal(await store.read('progress.json'), undefined);
      await store.write('progress.json', '{"state":"running"}');
      assert.equal((await store.read('progress.json'))?.toString(), '{"state":"running"}');
      assert.equal(await readSecret(store), undefined);
      const secret = await ensureSecret(store);
      assert.deepEqual(await readSecret(store), secret);
      // A second manager start (or a secret Submit wrote) keeps the stored one: the conditional PUT is refused.
      assert.deepEqual(await ensureSecret(store), secret);
      assert.equal(await store.create('secret', 'other'), false);
      assert.match((await store.read('secret'))!.toString(), /^[0-9a-f]{64}\n$/);
    } finally {
      store.close();
    }
  });

  test('a small file goes up in one streamed PUT, a large one as a multipart upload', async function () {
    this.timeout(60_000);
    const uri = `s3://${BUCKET}/${prefix}`;
    // 5 MiB parts (the S3 minimum) so that a 12 MiB file needs three of them.
    const store = new S3Store(uri, parseS3Uri(uri)!, 5 * 1024 * 1024);
    try {
      const small = join(dir, 'small.txt');
      writeFileSync(small, 'hello\n');
      await store.upload('tasks/0/small.txt', small);
      assert.equal((await store.read('tasks/0/small.txt'))?.toString(), 'hello\n');

      const large = join(dir, 'large.bin');
      const data = randomBytes(12 * 1024 * 1024 + 17);
      writeFileSync(large, data);
      await store.upload('tasks/1/large.bin', large);
      const back = await store.read('tasks/1/large.bin');
      assert.equal(back?.length, data.length);
      assert.equal(createHash('sha256').update(back!).digest('hex'), createHash('sha256').update(data).digest('hex'));
      // moto reports a multipart object's ETag as "<md5 of part md5s>-<parts>".
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}tasks/1/` }));
      assert.match(listed.Contents?.[0]?.ETag ?? '', /-3"?$/);
    } finally {
      store.close();
    }
  });
});
