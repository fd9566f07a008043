// Download Results against moto's S3: byte for byte, traversal keys refused, odd names (255 bytes,
// "..foo") written, interrupted then resumed.
import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { AwsClients, createAwsClients } from '../../src/aws/clients';
import { downloadPrefix } from '../../src/results/download';
import { createDownloadApi } from '../../src/aws/s3Results';
import { FaultProxy } from './helpers/faultProxy';

const BUCKET = 'batch-runner-results';
const MIB = 1024 * 1024;
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1))
    .sort();
}

suite('Download Results against moto S3', function () {
  this.timeout(120_000);
  let s3: S3Client;
  let proxy: FaultProxy;
  let viaProxy: AwsClients;
  let work: string;
  const prefixes: string[] = [];

  suiteSetup(async () => {
    const endpoint = process.env.AWS_ENDPOINT_URL;
    if (!endpoint) throw new Error('Start the stand-ins first: eval "$(bash scripts/backend.sh env)"');
    s3 = new S3Client({ forcePathStyle: true });
    proxy = new FaultProxy(new URL(endpoint));
    await proxy.start();
    viaProxy = await createAwsClients({ endpointUrl: proxy.url });
  });

  setup(() => {
    work = mkdtempSync(join(tmpdir(), 'download-it-'));
    proxy.cutBody = undefined;
  });

  teardown(() => rmSync(work, { recursive: true, force: true }));

  suiteTeardown(async () => {
    for (const prefix of prefixes) {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
      const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length) await s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys } }));
    }
    s3?.destroy();
    viaProxy?.destroy();
    await proxy?.stop();
  });

  function newRun(): string {
    const prefix = `runs/it-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}/`;
    prefixes.push(prefix);
    return prefix;
  }

  async function put(key: string, body: Buffer): Promise<void> {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  }

  /** Uploads in 5 MiB parts, so the ETag is a multipart one ("…-3"). */
  async function putMultipart(key: string, body: Buffer): Promise<string> {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    const parts = [];
    for (let i = 0, n = 1; i < body.length; i += 5 * MIB, n++) {
      const { ETag } = await s3.send(
        new UploadPartCommand({
          Bucket: BUCKET,
          Key: key,
          UploadId,
          PartNumber: n,
          Body: body.subarray(i, i + 5 * MIB),
        }),
      );
      parts.push({ ETag, PartNumber: n });
    }
    const done = await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId, MultipartUpload: { Parts: parts } }),
    );
    return done.ETag ?? '';
  }

  test('every object byte for byte (single-part, multipart, empty, nested, awkward names); a second run skips them all', async () => {
    const prefix = newRun();
    const bodies = new Map<string, Buffer>();
    const add = async (rel: string, body: Buffer) => {
      bodies.set(rel, body);
      await put(prefix + rel, body);
    };
    await add('run.json', Buffer.from('{"name":"it"}'));
    await add('results.jsonl', randomBytes(3000));
    await add('empty.txt', Buffer.alloc(0));
    for (let i = 0; i < 20; i++) await add(`tasks/${i}/output.bin`, randomBytes(10_000 + i));
    // Keys the signed GET must encode exactly as S3 expects.
    for (const rel of ['odd names/a+b=c&d.txt', "odd names/(x)!y*'z'~.csv", 'odd names/ünï/日本.json'])
      await add(rel, randomBytes(500));
    const big = randomBytes(12 * MIB + 77);
    bodies.set('large/big.bin', big);
    assert.match(await putMultipart(`${prefix}large/big.bin`, big), /-3"?$/);
    await put(`${prefix}secret`, Buffer.from('run secret'));

    const dest = join(work, 'results', 'it');
    const first = await downloadPrefix({
      s3: createDownloadApi(viaProxy.s3, viaProxy.target),
      bucket: BUCKET,
      prefix,
      destination: dest,
      concurrency: 4,
      exclude: (rel) => rel === 'secret',
    });
    assert.deepEqual(first.failed, []);
    assert.equal(first.downloaded, bodies.size);
    assert.deepEqual(first.excluded, ['secret']);
    assert.deepEqual(files(dest), [...bodies.keys()].sort());
    for (const [rel, body] of bodies) assert.equal(sha(readFileSync(join(dest, rel))), sha(body), rel);

    const gets = proxy.requests.length;
    const second = await downloadPrefix({
      s3: createDownloadApi(viaProxy.s3, viaProxy.target),
      bucket: BUCKET,
      prefix,
      destination: dest,
      exclude: (rel) => rel === 'secret',
    });
    assert.equal(second.downloaded, 0);
    assert.equal(second.skipped, bodies.size, 'the multipart object is recognised by its ETag too');
    assert.equal(proxy.requests.length - gets, 1, 'only the listing');
  });

  test('keys that would land outside the folder are refused and listed; nothing is written outside', async () => {
    const prefix = newRun();
    const evil = [
      '../escape.txt',
      'a/../../b.txt',
      '/abs.txt',
      'C:/drive.txt',
      '..\\back.txt',
      'a//b.txt',
      './dot.txt',
    ];
    for (const rest of evil) await put(prefix + rest, Buffer.from('evil'));
    await put(`${prefix}fine/ok.txt`, Buffer.from('ok'));
    const dest = join(work, 'deep', 'results', 'r');
    writeFileSync(join(work, 'marker'), 'm');
    const summary = await downloadPrefix({
      s3: createDownloadApi(viaProxy.s3, viaProxy.target),
      bucket: BUCKET,
      prefix,
      destination: dest,
    });
    assert.deepEqual(summary.refused.map((r) => r.key.slice(prefix.length)).sort(), [...evil].sort());
    assert.equal(summary.downloaded, 1);
    assert.deepEqual(files(work), ['deep/results/r/fine/ok.txt', 'marker']);
    assert.ok(!existsSync('/abs.txt') && !existsSync(join(work, 'deep', 'escape.txt')));
  });

  test('a 255-byte name and keys that start with ".." are written, on one shared signal at the default concurrency, without warnings', async () => {
    const prefix = newRun();
    const bodies = new Map<string, Buffer>();
    const odd = [
      `${'n'.repeat(251)}.bin`, // 255 bytes: "<name>.part" would be 260
      `long/${'é'.repeat(125)}.txt`, // 254 bytes
      '..foo',
      '..%2fx',
      'tasks/..hidden/out.json',
    ];
    for (const rel of odd) bodies.set(rel, randomBytes(1000 + rel.length));
    for (let i = 0; i < 40; i++) bodies.set(`tasks/${i}/out.bin`, randomBytes(20_000));
    for (const [rel, body] of bodies) await put(prefix + rel, body);
    await put(`${prefix}../up.txt`, Buffer.from('refused'));
    await put(`${prefix}${'z'.repeat(256)}`, Buffer.from('refused'));

    const api = createDownloadApi(viaProxy.s3, viaProxy.target);
    const probe = await api.getObject(BUCKET, prefix + odd[0], undefined);
    probe.body.resume();
    assert.match(probe.checksumCrc32 ?? '', /==$/, "moto sends the object's CRC32, which the download checks");

    const dest = join(work, 'r');
    const controller = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    let summary;
    try {
      summary = await downloadPrefix({ s3: api, bucket: BUCKET, prefix, destination: dest, signal: controller.signal });
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(summary.failed, []);
    assert.equal(summary.downloaded, bodies.size);
    assert.deepEqual(files(dest), [...bodies.keys()].sort(), 'every file, no temporary file left');
    for (const [rel, body] of bodies) assert.equal(sha(readFileSync(join(dest, rel))), sha(body), rel);
    assert.equal(Buffer.byteLength(odd[0]), 255);
    assert.deepEqual(summary.refused.map((r) => [r.key.slice(prefix.length), r.refusal]).sort(), [
      ['../up.txt', 'parentSegment'],
      ['z'.repeat(256), 'tooLong'],
    ]);
    assert.deepEqual(
      warnings.map((w) => `${w.name}: ${w.message}`),
      [],
    );
  });

  test('throttled (503 SlowDown) and an object changed after the listing: retried, then reported', async () => {
    const prefix = newRun();
    const bodies = new Map<string, Buffer>();
    for (let i = 0; i < 12; i++) {
      const body = randomBytes(5000 + i);
      bodies.set(`tasks/${i}/out.bin`, body);
      await put(`${prefix}tasks/${i}/out.bin`, body);
    }
    const dest = join(work, 'results', 'throttled');
    proxy.faultsFor = (operation) => operation.startsWith(`GET /${BUCKET}/${prefix}tasks/`);
    proxy.slowDownNext = 4;
    const before = proxy.throttled;
    const api = createDownloadApi(viaProxy.s3, viaProxy.target);
    try {
      const summary = await downloadPrefix({
        s3: {
          ...api,
          // Listed, then replaced before it is fetched: its ETag no longer matches the listing.
          async listObjects(...args) {
            const page = await api.listObjects(...args);
            await put(`${prefix}tasks/11/out.bin`, randomBytes(64));
            return page;
          },
        },
        bucket: BUCKET,
        prefix,
        destination: dest,
        concurrency: 2,
        retryDelayMs: 20,
      });
      assert.equal(proxy.throttled - before, 4, 'every SlowDown was answered');
      assert.equal(summary.downloaded, 11);
      assert.deepEqual(
        summary.failed.map((f) => [f.relative, f.message]),
        [['tasks/11/out.bin', 'the object changed while downloading; run Download Results again']],
      );
      for (const rel of files(dest)) assert.equal(sha(readFileSync(join(dest, rel))), sha(bodies.get(rel)!), rel);
      assert.equal(files(dest).length, 11);
    } finally {
      api.destroy();
      proxy.slowDownNext = 0;
      proxy.faultsFor = (operation) => operation === 'GetLogEvents';
    }
  });

  test('interrupted by broken transfers and a cancel, then run again: finishes with every file intact', async () => {
    const prefix = newRun();
    const bodies = new Map<string, Buffer>();
    for (let i = 0; i < 24; i++) {
      const body = randomBytes(200_000 + i);
      bodies.set(`tasks/${String(i).padStart(2, '0')}/out.bin`, body);
      await put(`${prefix}tasks/${String(i).padStart(2, '0')}/out.bin`, body);
    }
    const dest = join(work, 'results', 'resume');
    // Object bodies are cut off half-way, more often than the download retries one object.
    proxy.faultsFor = (operation) => operation.startsWith(`GET /${BUCKET}/${prefix}`);
    proxy.cutBody = { afterBytes: 100_000, times: 12 };
    const controller = new AbortController();
    const first = await downloadPrefix({
      s3: createDownloadApi(viaProxy.s3, viaProxy.target),
      bucket: BUCKET,
      prefix,
      destination: dest,
      concurrency: 3,
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.filesDownloaded >= 8) controller.abort();
      },
    });
    proxy.faultsFor = (operation) => operation === 'GetLogEvents';
    const cuts = 12 - (proxy.cutBody?.times ?? 12);
    assert.ok(cuts >= 3, `transfers cut off: ${cuts}`);
    assert.equal(first.cancelled, true);
    assert.ok(first.downloaded >= 8 && first.downloaded < 24, `first run: ${first.downloaded} downloaded`);
    assert.ok(!files(dest).some((f) => f.endsWith('.part')), 'no temporary file left');
    for (const rel of files(dest)) assert.equal(sha(readFileSync(join(dest, rel))), sha(bodies.get(rel)!), rel);

    const second = await downloadPrefix({
      s3: createDownloadApi(viaProxy.s3, viaProxy.target),
      bucket: BUCKET,
      prefix,
      destination: dest,
    });
    assert.equal(second.cancelled, false);
    assert.deepEqual(second.failed, []);
    assert.equal(second.skipped + second.downloaded, 24);
    assert.equal(second.skipped, files(dest).length - second.downloaded);
    assert.deepEqual(files(dest), [...bodies.keys()].sort());
    for (const [rel, body] of bodies) {
      assert.equal(statSync(join(dest, rel)).size, body.length, rel);
      assert.equal(sha(readFileSync(join(dest, rel))), sha(body), rel);
    }
  });
});
