// The lean GetObject sends what the SDK sends: the same path for awkward keys, and a SigV4
// signature that an independent verifier (written here from the SigV4 specification) accepts.
// The verifier is checked against the SDK's own requests first, so it cannot pass everything.
import * as assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createObjectGetter, encodeKey, ObjectGetter } from '../../src/aws/s3ObjectGet';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET, sessionToken: 'session-token-example' };
const BODY = Buffer.from('hello from the stand-in\n');
const MD5 = createHash('md5').update(BODY).digest('hex');

interface Seen {
  path: string;
  headers: http.IncomingHttpHeaders;
  verdict: string;
}

const hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** "ok" or why the request's SigV4 signature is wrong. */
function verifySigV4(method: string, rawPath: string, headers: http.IncomingHttpHeaders, secret: string): string {
  const auth = /^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
    String(headers.authorization ?? ''),
  );
  if (!auth) return `malformed authorization ${headers.authorization}`;
  const [, credential, signedHeaders, signature] = auth;
  const [, date, region, service, terminator] = credential.split('/');
  if (terminator !== 'aws4_request') return 'bad credential scope';
  const amzDate = String(headers['x-amz-date']);
  if (!amzDate.startsWith(date)) return 'x-amz-date does not match the scope';
  const names = signedHeaders.split(';');
  for (const required of ['host', 'x-amz-date', 'x-amz-content-sha256'])
    if (!names.includes(required)) return `${required} is not signed`;
  if (headers['x-amz-security-token'] && !names.includes('x-amz-security-token')) return 'token not signed';
  const [path, query = ''] = rawPath.split('?');
  const canonicalHeaders = names.map((name) => `${name}:${String(headers[name] ?? '').trim()}\n`).join('');
  const canonical = [method, path, query, canonicalHeaders, signedHeaders, headers['x-amz-content-sha256']].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, hex(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  const expected = createHmac('sha256', key).update(toSign).digest('hex');
  return expected === signature ? 'ok' : 'signature mismatch';
}

suite('lean S3 GetObject', () => {
  let server: http.Server;
  let endpoint: string;
  let seen: Seen[];
  let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  let sdk: S3Client;
  let lean: ObjectGetter;

  const ok = (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, { etag: `"${MD5}"`, 'content-length': BODY.length, 'x-amz-server-side-encryption': 'AES256' });
    res.end(BODY);
  };

  suiteSetup(async () => {
    server = http.createServer((req, res) => {
      seen.push({
        path: req.url ?? '',
        headers: req.headers,
        verdict: verifySigV4(req.method ?? '', req.url ?? '', req.headers, SECRET),
      });
      answer(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const target = { region: 'eu-west-1', endpoint };
    sdk = new S3Client({ ...target, forcePathStyle: true, credentials: CREDENTIALS, maxAttempts: 1 });
    lean = createObjectGetter(sdk, target, { sockets: 4 });
    assert.ok(await lean.supports('results-bucket'), 'a plain SigV4 endpoint gets the lean path');
  });

  setup(() => {
    seen = [];
    answer = ok;
  });

  suiteTeardown(async () => {
    lean.destroy();
    sdk.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const awkwardKeys = [
    'runs/r1/tasks/0001/output.bin',
    'runs/r1/with space/and+plus=equals&amp.txt',
    "runs/r1/(paren)!star*'quote'~tilde.csv",
    'runs/r1/ünïcödé/日本語/😀.json',
    'runs/r1/percent%20literal#hash?question',
  ];

  test('the path matches the SDK and the signature verifies, for awkward keys', async () => {
    for (const key of awkwardKeys) {
      seen = [];
      const viaSdk = await sdk.send(new GetObjectCommand({ Bucket: 'results-bucket', Key: key, IfMatch: `"${MD5}"` }));
      await viaSdk.Body?.transformToByteArray();
      const viaLean = await lean.getObject('results-bucket', key, `"${MD5}"`);
      const chunks: Buffer[] = [];
      for await (const chunk of viaLean.body) chunks.push(chunk as Buffer);
      assert.deepEqual(Buffer.concat(chunks), BODY);
      assert.equal(viaLean.etag, `"${MD5}"`);
      assert.equal(viaLean.serverSideEncryption, 'AES256');

      const [fromSdk, fromLean] = seen;
      assert.equal(fromSdk.verdict, 'ok', `the verifier accepts the SDK's request for ${key}`);
      assert.equal(fromLean.verdict, 'ok', `the lean request for ${key} is signed correctly`);
      // The SDK adds ?x-id=GetObject, a marker S3 ignores.
      assert.equal(fromLean.path, fromSdk.path.replace(/\?x-id=GetObject$/, ''), key);
      assert.equal(fromLean.path, `/results-bucket/${encodeKey(key)}`);
      assert.equal(fromLean.headers['if-match'], `"${MD5}"`);
      assert.equal(fromLean.headers['x-amz-security-token'], CREDENTIALS.sessionToken);
      assert.ok(!JSON.stringify(fromLean.headers).includes(SECRET), 'the secret key never travels');
    }
  });

  test("asks for the object's checksum and passes on a full-object CRC32, not a composite one", async () => {
    const cases: [Record<string, string>, string | undefined][] = [
      [{ 'x-amz-checksum-crc32': 'PGsw6A==' }, 'PGsw6A=='],
      [{ 'x-amz-checksum-crc32': 'PGsw6A==', 'x-amz-checksum-type': 'FULL_OBJECT' }, 'PGsw6A=='],
      [{ 'x-amz-checksum-crc32': 'PGsw6A==-3', 'x-amz-checksum-type': 'COMPOSITE' }, undefined],
      [{ 'x-amz-checksum-crc32': 'PGsw6A==', 'x-amz-checksum-type': 'COMPOSITE' }, undefined],
      [{ 'x-amz-checksum-crc32c': 'AAAAAA==' }, undefined],
      [{}, undefined],
    ];
    for (const [headers, expected] of cases) {
      answer = (_req, res) => {
        res.writeHead(200, { etag: `"${MD5}"`, 'content-length': BODY.length, ...headers });
        res.end(BODY);
      };
      seen = [];
      const result = await lean.getObject('results-bucket', awkwardKeys[0], undefined);
      result.body.resume();
      assert.equal(result.checksumCrc32, expected, JSON.stringify(headers));
      assert.equal(seen[0].headers['x-amz-checksum-mode'], 'ENABLED');
      assert.equal(seen[0].verdict, 'ok', 'the checksum mode header is signed like the others');
    }
  });

  test('the verifier rejects a tampered request', () => {
    const request = awkwardKeys[0];
    seen = [];
    return lean.getObject('results-bucket', request, undefined).then(async (result) => {
      result.body.resume();
      const { path, headers } = seen[0];
      assert.equal(verifySigV4('GET', path, headers, SECRET), 'ok');
      assert.equal(verifySigV4('GET', path.replace('0001', '0002'), headers, SECRET), 'signature mismatch');
      assert.equal(verifySigV4('GET', path, headers, 'another-secret'), 'signature mismatch');
    });
  });

  test("S3's error answers become errors named by their code, with the HTTP status", async () => {
    const cases: [number, string, string, string][] = [
      [
        412,
        '<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>',
        'PreconditionFailed',
        'At least one of the pre-conditions you specified did not hold',
      ],
      [
        404,
        '<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>',
        'NoSuchKey',
        'The specified key does not exist.',
      ],
      [
        403,
        '<Error><Code>ExpiredToken</Code><Message>The provided token has expired &amp; can&apos;t be used.</Message></Error>',
        'ExpiredToken',
        "The provided token has expired & can't be used.",
      ],
      [
        503,
        '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
        'SlowDown',
        'Please reduce your request rate.',
      ],
      [500, '', 'Http500', 'S3 answered HTTP 500'],
    ];
    for (const [status, body, name, message] of cases) {
      answer = (_req, res) => {
        res.writeHead(status, { 'content-type': 'application/xml' });
        res.end(body);
      };
      await assert.rejects(
        lean.getObject('results-bucket', 'runs/r1/x', undefined),
        (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
          assert.equal(error.name, name);
          assert.equal(error.message, message);
          assert.equal(error.$metadata?.httpStatusCode, status);
          return true;
        },
      );
    }
  });

  test('an aborted request rejects with an AbortError and leaves no socket in use', async () => {
    answer = () => undefined; // never answers
    const controller = new AbortController();
    const pending = lean.getObject('results-bucket', 'runs/r1/slow', undefined, controller.signal);
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, { name: 'AbortError' });
  });

  test('a server that goes quiet fails the request instead of hanging it', async () => {
    const quiet = createObjectGetter(sdk, { region: 'eu-west-1', endpoint }, { sockets: 1, idleTimeoutMs: 200 });
    try {
      answer = () => undefined;
      await assert.rejects(quiet.getObject('results-bucket', 'runs/r1/silent', undefined), { code: 'ETIMEDOUT' });
      // Headers, then silence in the middle of the body: the body stream fails.
      answer = (_req, res) => {
        res.writeHead(200, { 'content-length': 1000 });
        res.write('partial');
      };
      const result = await quiet.getObject('results-bucket', 'runs/r1/stalls', undefined);
      await assert.rejects(async () => {
        for await (const _chunk of result.body) void _chunk;
      });
    } finally {
      quiet.destroy();
    }
  });

  test('buckets that need more than SigV4 are left to the SDK', async () => {
    const regional = new S3Client({ region: 'us-east-1', credentials: CREDENTIALS });
    const onAws = createObjectGetter(regional, { region: 'us-east-1', endpoint: undefined }, { sockets: 1 });
    try {
      assert.ok(await onAws.supports('ordinary-bucket'), 'an ordinary bucket on AWS: lean path');
      // An S3 Express directory bucket signs with sigv4-s3express.
      assert.equal(await onAws.supports('my-express--use1-az4--x-s3'), false);
    } finally {
      onAws.destroy();
      regional.destroy();
    }
  });
});
