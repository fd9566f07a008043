import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { getEventListeners } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { downloadPrefix, DownloadOptions, DownloadProgress, refusalSummary } from '../../src/results/download';
import type { GetObjectResult, S3Api, S3Object } from '../../src/results/s3Api';

const P = 'runs/r1/';

class FakeS3 implements S3Api {
  readonly objects = new Map<string, Buffer>();
  /** Cut the body of this key after so many bytes, this many times. */
  readonly breakOff = new Map<string, { after: number; times: number }>();
  /** Serve wrong bytes (same size) for these keys. */
  readonly corrupt = new Set<string>();
  inFlight = 0;
  maxInFlight = 0;
  gets = 0;
  /** Send the service's full-object CRC32 (x-amz-checksum-crc32) of the stored object, as S3 does. */
  sendCrc32 = false;
  /** Called while a body streams, e.g. to look at the folder or at the caller's signal. */
  duringTransfer?: (key: string) => void;
  /**
   * Bodies wait until this many transfers are in flight at once (then the gate stays open): a
   * test of the concurrency does not depend on how fast the first transfers end.
   */
  gate?: { inFlight: number; open?: Promise<void>; release?: () => void };

  put(key: string, body: Buffer): void {
    this.objects.set(key, body);
  }

  async listObjects(_bucket: string, prefix: string, token: string | undefined) {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    const start = token ? Number(token) : 0;
    const page = keys.slice(start, start + 3);
    const objects: S3Object[] = page.map((key) => ({
      key,
      size: this.objects.get(key)!.length,
      etag: `"${createHash('md5').update(this.objects.get(key)!).digest('hex')}"`,
    }));
    return { objects, nextToken: start + 3 < keys.length ? String(start + 3) : undefined };
  }

  async getObject(_bucket: string, key: string, _ifMatch: string | undefined, signal?: AbortSignal) {
    this.gets++;
    const body = this.objects.get(key);
    if (!body) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const gate = this.gate;
    if (gate && !gate.open) gate.open = new Promise((resolve) => (gate.release = resolve));
    if (gate && this.inFlight >= gate.inFlight) gate.release!();
    let data = body;
    if (this.corrupt.has(key)) data = Buffer.from(body).fill(0x41);
    const cut = this.breakOff.get(key);
    const chunks: Buffer[] = [];
    for (let i = 0; i < data.length; i += 1000) chunks.push(data.subarray(i, i + 1000));
    // As http.request does: one abort listener on the signal it was given, for as long as it runs.
    const onAbort = () => undefined;
    signal?.addEventListener('abort', onAbort);
    const done = () => {
      this.inFlight--;
      signal?.removeEventListener('abort', onAbort);
    };
    const during = () => this.duringTransfer?.(key);
    // done() on close: a stream destroyed before its first read never runs the generator's body.
    async function* stream() {
      if (gate) await gate.open;
      let sent = 0;
      for (const chunk of chunks) {
        during();
        await new Promise((resolve) => setImmediate(resolve));
        if (signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
        if (cut && cut.times > 0 && sent >= cut.after) {
          cut.times--;
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        }
        sent += chunk.length;
        yield chunk;
      }
    }
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    const result: GetObjectResult = {
      body: Readable.from(stream()),
      etag: undefined,
      serverSideEncryption: undefined,
      checksumCrc32: this.sendCrc32 ? crc.toString('base64') : undefined,
    };
    result.body.once('close', done);
    return result;
  }
}

function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1))
    .sort();
}

suite('downloadPrefix', () => {
  let work: string;
  let dest: string;
  setup(() => {
    work = mkdtempSync(join(tmpdir(), 'download-'));
    dest = join(work, 'results', 'r1');
  });
  teardown(() => rmSync(work, { recursive: true, force: true }));

  const run = (s3: FakeS3, extra: Partial<DownloadOptions> = {}) =>
    downloadPrefix({ s3, bucket: 'b', prefix: P, destination: dest, concurrency: 3, ...extra });

  test('every object byte for byte, in its folders, within the concurrency bound, with progress', async () => {
    const s3 = new FakeS3();
    const bodies = new Map<string, Buffer>();
    for (const rel of ['run.json', 'results.jsonl', 'tasks/0/output.json', 'tasks/1/out.bin', 'tasks/1/deep/x.bin']) {
      const body = randomBytes(rel.endsWith('.bin') ? 25_000 : 300);
      bodies.set(rel, body);
      s3.put(P + rel, body);
    }
    s3.put(`${P}tasks/`, Buffer.alloc(0)); // a console-made folder marker
    s3.put('runs/r2/other.txt', Buffer.from('not this run'));
    const progress: DownloadProgress[] = [];
    const summary = await run(s3, { onProgress: (p) => progress.push(p), progressIntervalMs: 0 });
    assert.deepEqual(summary.failed, []);
    assert.equal(summary.downloaded, 5);
    assert.equal(summary.skipped, 0);
    assert.deepEqual(tree(dest), [...bodies.keys()].sort());
    for (const [rel, body] of bodies) assert.ok(readFileSync(join(dest, rel)).equals(body), rel);
    assert.ok(s3.maxInFlight <= 3 && s3.maxInFlight >= 2, `in flight at most ${s3.maxInFlight}`);
    const last = progress[progress.length - 1];
    assert.equal(last.phase, 'done');
    assert.equal(last.filesDone, 5);
    assert.equal(last.bytesDone, summary.bytesTotal);
    assert.equal(summary.bytesDownloaded, summary.bytesTotal);
  });

  test('keys that would land outside are refused and listed; nothing is written outside; excluded keys stay out', async () => {
    const s3 = new FakeS3();
    s3.put(`${P}ok.txt`, Buffer.from('fine'));
    s3.put(`${P}secret`, Buffer.from('hmac key'));
    const evil = [
      '../escape.txt',
      '../../escape2.txt',
      '/abs.txt',
      'C:/drive.txt',
      '..\\back.txt',
      'a//b.txt',
      'x/../../y',
    ];
    for (const rest of evil) s3.put(P + rest, Buffer.from('evil'));
    const before = tree(work);
    const summary = await run(s3, { exclude: (rel) => rel === 'secret' });
    assert.deepEqual(summary.refused.map((r) => r.key.slice(P.length)).sort(), [...evil].sort());
    assert.ok(summary.refused.every((r) => r.reason.length > 5));
    assert.deepEqual(summary.excluded, ['secret']);
    assert.deepEqual(tree(dest), ['ok.txt']);
    assert.deepEqual(tree(work), [...before, 'results/r1/ok.txt'].sort(), 'nothing else anywhere in the work folder');
  });

  test('files already there with the same size and MD5 are skipped; a same-size different file is replaced', async () => {
    const s3 = new FakeS3();
    const a = randomBytes(5000);
    const b = randomBytes(5000);
    s3.put(`${P}a.bin`, a);
    s3.put(`${P}b.bin`, b);
    s3.put(`${P}c.bin`, randomBytes(10));
    mkdirSync(dest, { recursive: true });
    writeFileSync(join(dest, 'a.bin'), a);
    writeFileSync(join(dest, 'b.bin'), Buffer.alloc(5000, 1)); // same size, other content
    writeFileSync(join(dest, 'c.bin'), 'much longer than ten bytes');
    const summary = await run(s3);
    assert.equal(summary.skipped, 1);
    assert.equal(summary.downloaded, 2);
    assert.equal(s3.gets, 2);
    assert.ok(readFileSync(join(dest, 'b.bin')).equals(b));
    const again = await run(s3);
    assert.equal(again.skipped, 3);
    assert.equal(again.downloaded, 0);
  });

  test('interrupted (cancelled mid-way) then run again: finishes with every file intact, no .part left', async () => {
    const s3 = new FakeS3();
    const bodies = new Map<string, Buffer>();
    for (let i = 0; i < 12; i++) {
      const body = randomBytes(20_000 + i);
      bodies.set(`tasks/${i}/out.bin`, body);
      s3.put(`${P}tasks/${i}/out.bin`, body);
    }
    const controller = new AbortController();
    const first = await run(s3, {
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.bytesDone > 90_000) controller.abort();
      },
    });
    assert.equal(first.cancelled, true);
    assert.ok(first.downloaded >= 1 && first.downloaded < 12, `downloaded ${first.downloaded} before the cancel`);
    assert.deepEqual(first.failed, []);
    assert.ok(!tree(dest).some((f) => f.endsWith('.part')), 'no temporary file left behind');

    const second = await run(s3);
    assert.equal(second.cancelled, false);
    assert.equal(second.skipped, first.downloaded);
    assert.equal(second.downloaded, 12 - first.downloaded);
    for (const [rel, body] of bodies) assert.ok(readFileSync(join(dest, rel)).equals(body), rel);
  });

  test('a transfer that breaks off is retried; one that stays damaged is reported and not written', async () => {
    const s3 = new FakeS3();
    s3.put(`${P}flaky.bin`, randomBytes(8000));
    s3.put(`${P}bad.bin`, randomBytes(8000));
    s3.breakOff.set(`${P}flaky.bin`, { after: 3000, times: 2 });
    s3.corrupt.add(`${P}bad.bin`);
    const summary = await run(s3);
    assert.equal(summary.downloaded, 1);
    assert.deepEqual(
      summary.failed.map((f) => [f.relative, f.message]),
      [['bad.bin', 'the content does not match its MD5']],
    );
    assert.ok(readFileSync(join(dest, 'flaky.bin')).equals(s3.objects.get(`${P}flaky.bin`)!));
    assert.deepEqual(tree(dest), ['flaky.bin']);
  });

  test("the service's CRC32, when sent, is what the content is checked against; damage is caught", async () => {
    const s3 = new FakeS3();
    s3.sendCrc32 = true;
    s3.put(`${P}small.bin`, randomBytes(3000));
    s3.put(`${P}large.bin`, randomBytes(3 * 1024 * 1024 + 17)); // written in several batches
    s3.put(`${P}empty.bin`, Buffer.alloc(0));
    s3.put(`${P}bad.bin`, randomBytes(8000));
    s3.corrupt.add(`${P}bad.bin`);
    const summary = await run(s3, { retries: 0 });
    assert.equal(summary.downloaded, 3);
    assert.deepEqual(
      summary.failed.map((f) => [f.relative, f.message]),
      [['bad.bin', 'the content does not match its CRC32']],
    );
    for (const rel of ['small.bin', 'large.bin', 'empty.bin'])
      assert.ok(readFileSync(join(dest, rel)).equals(s3.objects.get(P + rel)!), rel);
    assert.deepEqual(tree(dest), ['empty.bin', 'large.bin', 'small.bin']);
  });

  test('links planted in the folder are never followed', async () => {
    const outside = join(work, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'victim.txt'), 'untouched');
    mkdirSync(dest, { recursive: true });
    symlinkSync(outside, join(dest, 'tasks'));
    symlinkSync(join(outside, 'victim.txt'), join(dest, 'top.txt.part'));
    const s3 = new FakeS3();
    s3.put(`${P}tasks/victim.txt`, Buffer.from('overwritten!'));
    s3.put(`${P}top.txt`, Buffer.from('top'));
    const summary = await run(s3);
    assert.deepEqual(
      summary.failed.map((f) => f.relative),
      ['tasks/victim.txt'],
    );
    assert.match(summary.failed[0].message, /symbolic link/);
    assert.equal(readFileSync(join(outside, 'victim.txt'), 'utf8'), 'untouched');
    assert.equal(readFileSync(join(dest, 'top.txt'), 'utf8'), 'top');
  });

  test('name clashes: "x" and "x/y" cannot both exist; "x" and "x.part" can', async () => {
    const s3 = new FakeS3();
    s3.put(`${P}x`, Buffer.from('file x'));
    s3.put(`${P}x/y`, Buffer.from('file y'));
    s3.put(`${P}z`, Buffer.from('file z'));
    s3.put(`${P}z.part`, Buffer.from('file z.part'));
    const summary = await run(s3);
    assert.deepEqual(
      summary.failed.map((f) => f.relative),
      ['x'],
    );
    assert.equal(readFileSync(join(dest, 'x/y'), 'utf8'), 'file y');
    assert.equal(readFileSync(join(dest, 'z'), 'utf8'), 'file z');
    assert.equal(readFileSync(join(dest, 'z.part'), 'utf8'), 'file z.part');
  });

  test('final names of 251 to 255 bytes are written: the temporary file beside them always fits', async () => {
    const s3 = new FakeS3();
    const bodies = new Map<string, Buffer>();
    for (const n of [250, 251, 252, 253, 254, 255]) {
      const rel = `long/${'n'.repeat(n - 4)}.bin`;
      // The 250-byte name's body is over one write batch (1 MiB), so its .part is on disk while the
      // rest streams in and a look during the transfer finds it; smaller bodies are written at once.
      bodies.set(rel, randomBytes((n === 250 ? 1024 * 1024 : 0) + 3000 + n));
      s3.put(P + rel, bodies.get(rel)!);
    }
    const multibyte = `${'é'.repeat(125)}.bin`; // 254 bytes in 129 characters
    bodies.set(multibyte, randomBytes(2000));
    s3.put(P + multibyte, bodies.get(multibyte)!);
    const seen = new Set<string>();
    s3.duringTransfer = () => {
      for (const name of tree(dest)) for (const part of name.split('/')) seen.add(part);
    };
    const summary = await run(s3);
    assert.deepEqual(summary.failed, []);
    assert.equal(summary.downloaded, bodies.size);
    for (const [rel, body] of bodies) assert.ok(readFileSync(join(dest, rel)).equals(body), rel);
    assert.deepEqual(tree(dest), [...bodies.keys()].sort(), 'no temporary file left');
    const temps = [...seen].filter((name) => name.endsWith('.part'));
    assert.ok(temps.length > 0, 'temporary files were seen while downloading');
    for (const name of seen) assert.ok(Buffer.byteLength(name) <= 255, `${name.length} characters`);
    assert.ok(
      temps.some((name) => name === `${'n'.repeat(246)}.bin.part`),
      'a 250-byte name keeps "<name>.part"',
    );
  });

  test('a long name interrupted mid-way is finished on the next run, its temporary file removed', async () => {
    const s3 = new FakeS3();
    const rel = `${'L'.repeat(251)}.bin`;
    s3.put(P + rel, randomBytes(50_000));
    s3.breakOff.set(P + rel, { after: 20_000, times: 1 });
    const first = await run(s3, { retries: 0 });
    assert.equal(first.failed.length, 1);
    assert.deepEqual(tree(dest), [], 'nothing left of the broken transfer');
    const second = await run(s3);
    assert.equal(second.downloaded, 1);
    assert.ok(readFileSync(join(dest, rel)).equals(s3.objects.get(P + rel)!));
    assert.deepEqual(tree(dest), [rel]);
  });

  test('keys that merely start with ".." are downloaded; real parent segments are refused with their kind', async () => {
    const s3 = new FakeS3();
    const fine = ['..foo', '..%2fx', 'tasks/..hidden/out.txt', '...'];
    for (const rest of fine) s3.put(P + rest, Buffer.from(`content of ${rest}`));
    const refused: Record<string, string> = {
      '../up.txt': 'parentSegment',
      'a/../../up.txt': 'parentSegment',
      '/abs.txt': 'absolute',
      'D:/drive.txt': 'driveLetter',
      'a//b.txt': 'emptySegment',
      [`${'y'.repeat(256)}`]: 'tooLong',
    };
    for (const rest of Object.keys(refused)) s3.put(P + rest, Buffer.from('refused'));
    const summary = await run(s3);
    assert.deepEqual(summary.failed, []);
    assert.deepEqual(tree(dest), [...fine].sort());
    for (const rest of fine) assert.equal(readFileSync(join(dest, rest), 'utf8'), `content of ${rest}`);
    assert.deepEqual(Object.fromEntries(summary.refused.map((r) => [r.key.slice(P.length), r.refusal])), refused);
    for (const r of summary.refused) {
      if (r.refusal === 'parentSegment') assert.match(r.reason, /outside/);
      else assert.doesNotMatch(r.reason, /outside/, r.reason);
    }
    assert.equal(
      refusalSummary(summary.refused),
      '6 keys refused: 2 with a ".." segment, which would land outside the folder; 1 with an absolute path; ' +
        '1 starting with a drive letter; 1 with an empty segment ("//"); 1 with a name longer than 255 bytes.',
    );
  });

  test('the default concurrency on one shared signal: one abort listener on it, no MaxListenersExceededWarning', async () => {
    const s3 = new FakeS3();
    for (let i = 0; i < 60; i++) s3.put(`${P}tasks/${i}/out.bin`, randomBytes(8000));
    s3.gate = { inFlight: 16 };
    const controller = new AbortController();
    let most = 0;
    s3.duringTransfer = () => {
      most = Math.max(most, getEventListeners(controller.signal, 'abort').length);
    };
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const summary = await downloadPrefix({
        s3,
        bucket: 'b',
        prefix: P,
        destination: dest,
        signal: controller.signal,
      });
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      assert.equal(summary.downloaded, 60);
    } finally {
      process.off('warning', onWarning);
    }
    assert.equal(s3.maxInFlight, 16, 'the default concurrency, all in flight at once');
    assert.equal(most, 1, 'listeners on the shared signal while transfers run');
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0, 'none left after the download');
    assert.deepEqual(
      warnings.map((w) => w.name),
      [],
    );
  });

  test('cancelling through the shared signal still stops every transfer in flight', async () => {
    const s3 = new FakeS3();
    for (let i = 0; i < 40; i++) s3.put(`${P}f${i}.bin`, randomBytes(30_000));
    const controller = new AbortController();
    s3.duringTransfer = () => {
      if (s3.inFlight >= 16) controller.abort();
    };
    const summary = await downloadPrefix({ s3, bucket: 'b', prefix: P, destination: dest, signal: controller.signal });
    assert.equal(summary.cancelled, true);
    assert.deepEqual(summary.failed, []);
    for (let i = 0; i < 20 && s3.inFlight > 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(s3.inFlight, 0, 'every transfer ended');
    assert.ok(summary.downloaded < 40);
    assert.ok(!tree(dest).some((f) => f.endsWith('.part')), 'no temporary file left behind');
  });
});
