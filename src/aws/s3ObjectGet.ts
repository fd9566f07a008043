// A lean signed GetObject for Download Results. Part of the SDK bundle.
//
// Why not S3Client.send: a run's results are often thousands of small files, and the SDK's middleware
// stack costs about 2 ms of CPU per GetObject, more than the transfer itself. This sends the same
// request the SDK would (the SDK's endpoint rules choose the URL, the SDK's SigV4 signer signs it with
// the client's credentials provider) over a keep-alive agent, and hands back the response stream. It
// asks for the object's checksum (x-amz-checksum-mode: ENABLED): a full-object CRC32, which objects
// uploaded by current SDKs and CLIs carry, is checked by the caller with native zlib.crc32, about six
// times cheaper than MD5.
import { S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Readable } from 'node:stream';
import type { GetObjectResult } from '../results/s3Api';

export interface ObjectGetter {
  /** false when the bucket's endpoint needs more than plain SigV4: use the SDK for it. */
  supports(bucket: string): Promise<boolean>;
  /** Only for buckets it supports. */
  getObject(bucket: string, key: string, ifMatch: string | undefined, signal?: AbortSignal): Promise<GetObjectResult>;
  destroy(): void;
}

export interface ObjectGetterOptions {
  sockets: number;
  /** Milliseconds without a byte, connecting or receiving, before the request fails (default 120 s). */
  idleTimeoutMs?: number;
}

interface BucketAddress {
  url: URL;
  /** The URL's path without a trailing "/": "" (virtual-hosted) or "/bucket" (path style). */
  basePath: string;
  signer: SignatureV4;
}

/** An error shaped like the SDK's service exceptions: name is S3's error code. */
export class S3RequestError extends Error {
  readonly $metadata: { httpStatusCode: number };
  constructor(code: string, message: string, status: number) {
    super(message);
    this.name = code;
    this.$metadata = { httpStatusCode: status };
  }
}

/**
 * Signs and sends GetObject itself, for buckets whose endpoint takes plain SigV4; S3 Express and
 * Multi-Region Access Points are left to the SDK (supports() says which).
 */
export function createObjectGetter(
  client: S3Client,
  target: { region: string; endpoint: string | undefined },
  options: ObjectGetterOptions,
): ObjectGetter {
  const agentOptions = { keepAlive: true, maxSockets: options.sockets };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);
  const idleTimeout = options.idleTimeoutMs ?? 120_000;
  const addresses = new Map<string, Promise<BucketAddress | undefined>>();

  const address = (bucket: string) => {
    let found = addresses.get(bucket);
    if (!found) {
      found = resolveAddress(client, target, bucket);
      addresses.set(bucket, found);
    }
    return found;
  };

  return {
    async supports(bucket) {
      return (await address(bucket)) !== undefined;
    },
    async getObject(bucket, key, ifMatch, signal) {
      const where = await address(bucket);
      if (!where) throw new Error(`bucket ${bucket} needs more than SigV4; fetch it with the SDK`);
      const headers: Record<string, string> = {
        host: where.url.host,
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
        'x-amz-checksum-mode': 'ENABLED',
      };
      if (ifMatch) headers['if-match'] = ifMatch;
      const path = `${where.basePath}/${encodeKey(key)}`;
      const signed = await where.signer.sign({
        method: 'GET',
        protocol: where.url.protocol,
        hostname: where.url.hostname,
        port: where.url.port ? Number(where.url.port) : undefined,
        path,
        query: {},
        headers,
      });
      const secure = where.url.protocol === 'https:';
      const response = await send(
        secure ? https : http,
        {
          method: 'GET',
          host: where.url.hostname,
          port: where.url.port || undefined,
          path,
          headers: signed.headers,
          agent: secure ? httpsAgent : httpAgent,
          signal,
        },
        idleTimeout,
      );
      const status = response.statusCode ?? 0;
      if (status !== 200) throw await toError(response, status);
      return {
        body: response as Readable,
        etag: header(response, 'etag'),
        serverSideEncryption: header(response, 'x-amz-server-side-encryption'),
        checksumCrc32: fullObjectCrc32(response),
      };
    },
    destroy() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

async function resolveAddress(
  client: S3Client,
  target: { region: string; endpoint: string | undefined },
  bucket: string,
): Promise<BucketAddress | undefined> {
  const config = client.config;
  const [useFips, useDualStack] = await Promise.all([config.useFipsEndpoint(), config.useDualstackEndpoint()]);
  const endpoint = config.endpointProvider({
    Bucket: bucket,
    Region: target.region,
    Endpoint: target.endpoint,
    ForcePathStyle: target.endpoint !== undefined,
    UseFIPS: useFips,
    UseDualStack: useDualStack,
    Accelerate: false,
  });
  const schemes = (endpoint.properties?.authSchemes ?? []) as {
    name?: string;
    signingName?: string;
    signingRegion?: string;
  }[];
  const scheme = schemes[0];
  if (!scheme || scheme.name !== 'sigv4') return undefined;
  const url = new URL(String(endpoint.url));
  return {
    url,
    basePath: url.pathname.replace(/\/$/, ''),
    signer: new SignatureV4({
      credentials: config.credentials,
      region: scheme.signingRegion ?? target.region,
      service: scheme.signingName ?? 's3',
      sha256: config.sha256,
      // S3 signs the path exactly as sent, without the double encoding other services use.
      uriEscapePath: false,
      applyChecksum: false,
    }),
  };
}

/** A key as S3 expects it in the path: every byte but A-Z a-z 0-9 - . _ ~ and "/" percent-encoded. */
export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    )
    .join('/');
}

function send(
  transport: typeof http | typeof https,
  request: http.RequestOptions,
  idleTimeout: number,
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = transport.request(request, resolve);
    // Covers connecting, waiting and the body: a stall after the headers destroys the response stream
    // the caller is reading, so it fails rather than hangs.
    req.setTimeout(idleTimeout, () =>
      req.destroy(
        Object.assign(new Error(`no answer from ${request.host} in ${idleTimeout / 1000} s`), { code: 'ETIMEDOUT' }),
      ),
    );
    req.on('error', reject);
    req.end();
  });
}

async function toError(response: http.IncomingMessage, status: number): Promise<S3RequestError> {
  let text = '';
  try {
    for await (const chunk of response) {
      if (text.length < 16_384) text += String(chunk);
    }
  } catch {
    // The status alone still says what happened.
  }
  const code = xmlText(/<Code>([^<]*)<\/Code>/.exec(text)?.[1]) ?? fallbackCode(status);
  const message = xmlText(/<Message>([^<]*)<\/Message>/.exec(text)?.[1]) ?? `S3 answered HTTP ${status}`;
  return new S3RequestError(code, message, status);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function xmlText(raw: string | undefined): string | undefined {
  return raw?.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => ENTITIES[name]);
}

function fallbackCode(status: number): string {
  if (status === 404) return 'NoSuchKey';
  if (status === 403) return 'AccessDenied';
  if (status === 412) return 'PreconditionFailed';
  return `Http${status}`;
}

/** The whole object's CRC32 (base64 of 4 bytes), unless absent or composite ("...-N", type COMPOSITE). */
function fullObjectCrc32(response: http.IncomingMessage): string | undefined {
  const value = header(response, 'x-amz-checksum-crc32');
  if (!value || !/^[A-Za-z0-9+/]{6}==$/.test(value)) return undefined;
  return /composite/i.test(header(response, 'x-amz-checksum-type') ?? '') ? undefined : value;
}

function header(response: http.IncomingMessage, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
