import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { candidatePartSizes, fileMatchesEtag, MultipartEtag, parseEtag } from '../../src/results/etag';

const MIB = 1024 * 1024;

suite('ETag checks', () => {
  let dir: string;
  suiteSetup(() => (dir = mkdtempSync(join(tmpdir(), 'etag-'))));
  suiteTeardown(() => rmSync(dir, { recursive: true, force: true }));

  test('parses single-part and multipart ETags, quoted or not', () => {
    assert.deepEqual(parseEtag('"0123456789abcdef0123456789ABCDEF"'), {
      md5: '0123456789abcdef0123456789abcdef',
      parts: undefined,
    });
    assert.deepEqual(parseEtag('0123456789abcdef0123456789abcdef-12'), {
      md5: '0123456789abcdef0123456789abcdef',
      parts: 12,
    });
    assert.equal(parseEtag('"not-an-md5"'), undefined);
    assert.equal(parseEtag(undefined), undefined);
  });

  test('a file matches its MD5 ETag, and a same-size different file does not', async () => {
    const content = randomBytes(100_000);
    const path = join(dir, 'single.bin');
    writeFileSync(path, content);
    const etag = `"${createHash('md5').update(content).digest('hex')}"`;
    assert.equal(await fileMatchesEtag(path, etag), true);
    content[500] ^= 0xff;
    writeFileSync(path, content);
    assert.equal(await fileMatchesEtag(path, etag), false);
    assert.equal(await fileMatchesEtag(path, '"kms-style-etag"'), undefined);
  });

  test('a multipart ETag is recomputed for the usual part sizes (8 MiB, as the AWS CLI uploads)', async () => {
    const content = randomBytes(20 * MIB + 123);
    const path = join(dir, 'multi.bin');
    writeFileSync(path, content);
    const expected = new MultipartEtag(8 * MIB);
    expected.update(content.subarray(0, 3 * MIB));
    expected.update(content.subarray(3 * MIB));
    const etag = expected.digest();
    assert.match(etag, /^[0-9a-f]{32}-3$/);
    assert.equal(await fileMatchesEtag(path, `"${etag}"`), true);
    // An unusual part size cannot be recognised: undefined, never a false "same".
    const odd = new MultipartEtag(7 * MIB + 1);
    odd.update(content);
    assert.equal(await fileMatchesEtag(path, odd.digest()), undefined);
  });

  test('candidate part sizes all give the right part count', () => {
    const sizes = candidatePartSizes(20 * MIB + 123, 3);
    assert.ok(sizes.includes(8 * MIB));
    for (const size of sizes) assert.equal(Math.ceil((20 * MIB + 123) / size), 3);
  });
});
