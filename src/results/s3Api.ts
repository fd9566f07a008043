// The slice of S3 that Download Results uses, as a plain interface; the adapter over the AWS SDK is
// src/aws/s3Results.ts (in the lazily loaded SDK bundle). No vscode import.
import type { Readable } from 'node:stream';

export interface S3Object {
  key: string;
  size: number;
  etag: string | undefined;
}

export interface GetObjectResult {
  body: Readable;
  etag: string | undefined;
  /** e.g. "aws:kms": the ETag is then not an MD5 of the content. */
  serverSideEncryption: string | undefined;
  /**
   * The service's CRC32 of the whole object (base64), for the caller to check, when the getter
   * asked for it (checksum mode) and the object has one; composite (per-part) checksums are left out.
   */
  checksumCrc32?: string;
}

export interface S3Api {
  listObjects(
    bucket: string,
    prefix: string,
    continuationToken: string | undefined,
    signal?: AbortSignal,
  ): Promise<{ objects: S3Object[]; nextToken: string | undefined }>;
  /**
   * ifMatch: fail (HTTP 412) if the object changed since it was listed. verifyChecksum: have the SDK
   * check the service's full-object checksum (used when the ETag is not an MD5 the caller can check).
   */
  getObject(
    bucket: string,
    key: string,
    ifMatch: string | undefined,
    signal?: AbortSignal,
    verifyChecksum?: boolean,
  ): Promise<GetObjectResult>;
}
