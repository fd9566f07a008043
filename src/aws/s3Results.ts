// Download Results' S3Api over the AWS SDK. Part of the SDK bundle: load it with
// `await import('../bundles/aws')`.
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { S3Api } from '../results/s3Api';
import { createObjectGetter } from './s3ObjectGet';
import { serviceTarget, type AwsTarget, type ServiceTarget } from './target';

/**
 * An S3 client for one download: same region, endpoint and credentials as the shared one, enough
 * sockets for the concurrency, and response checksums validated only when asked for. Objects with an
 * MD5 ETag are checked by the download itself (native MD5 is several times faster than the SDK's
 * JavaScript CRC32); the others ask for the service's checksum.
 */
function createDownloadS3Client(shared: S3Client, target: ServiceTarget, sockets: number): S3Client {
  return new S3Client({
    region: target.region,
    endpoint: target.endpoint,
    forcePathStyle: target.endpoint !== undefined,
    credentials: shared.config.credentials,
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 4,
    requestHandler: {
      connectionTimeout: 5000,
      requestTimeout: 120_000,
      httpAgent: { maxSockets: sockets },
      httpsAgent: { maxSockets: sockets },
    },
  });
}

/**
 * Download Results' S3 for one download, over its own client (see createDownloadS3Client). Lists
 * through the SDK. Objects whose MD5 the download checks itself are fetched with the lean signed GET
 * (s3ObjectGet.ts); those that need the service's checksum (multipart, no ETag) and buckets that
 * need more than SigV4 go through the SDK. destroy() closes its connections.
 */
export function createDownloadApi(
  shared: S3Client,
  clientsTarget: Pick<AwsTarget, 'region' | 'endpoint' | 'endpoints'>,
  sockets = 16,
): S3Api & { destroy(): void } {
  const target = serviceTarget(clientsTarget, 's3');
  const s3 = createDownloadS3Client(shared, target, sockets);
  const lean = createObjectGetter(s3, target, { sockets });
  return {
    async listObjects(bucket, prefix, continuationToken, signal) {
      const out = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: continuationToken }),
        { abortSignal: signal },
      );
      return {
        objects: (out.Contents ?? []).map((o) => ({ key: o.Key ?? '', size: o.Size ?? 0, etag: o.ETag })),
        nextToken: out.IsTruncated ? out.NextContinuationToken : undefined,
      };
    },
    async getObject(bucket, key, ifMatch, signal, verifyChecksum) {
      if (!verifyChecksum && (await lean.supports(bucket))) return lean.getObject(bucket, key, ifMatch, signal);
      const out = await s3.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          IfMatch: ifMatch,
          ChecksumMode: verifyChecksum ? 'ENABLED' : undefined,
        }),
        { abortSignal: signal },
      );
      if (!out.Body) throw new Error(`S3 returned no content for ${key}`);
      return {
        body: out.Body as Readable,
        etag: out.ETag,
        serverSideEncryption: out.ServerSideEncryption,
      };
    },
    destroy() {
      lean.destroy();
      s3.destroy();
    },
  };
}
