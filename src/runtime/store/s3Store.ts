// Run store under an S3 prefix. Files up to PART_BYTES go up in one streamed PutObject; larger ones
// as a multipart upload read part by part, so memory stays at one part whatever the file size.
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { awsConfig, quietly } from '../aws';
import type { RunStore, S3Location } from './store';

/** S3 parts must be at least 5 MiB (except the last); 16 MiB keeps part counts low for big outputs. */
export const PART_BYTES = 16 * 1024 * 1024;

export class S3Store implements RunStore {
  private readonly client: S3Client;

  constructor(
    readonly location: string,
    private readonly where: S3Location,
    private readonly partBytes = PART_BYTES,
    client?: S3Client,
  ) {
    this.client = client ?? quietly(() => new S3Client(awsConfig('S3')));
  }

  async read(key: string): Promise<Buffer | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.where.bucket, Key: this.key(key) }));
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
      throw error;
    }
  }

  async readStream(key: string): Promise<NodeJS.ReadableStream | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.where.bucket, Key: this.key(key) }));
      return out.Body as NodeJS.ReadableStream;
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
      throw error;
    }
  }

  async write(key: string, data: string | Buffer): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.where.bucket,
        Key: this.key(key),
        Body: data,
        ContentType: key.endsWith('.json') ? 'application/json' : undefined,
      }),
    );
  }

  async create(key: string, data: string | Buffer): Promise<boolean> {
    try {
      // A conditional write: S3 refuses it when the key exists (no read of a missing key needed,
      // which a role without s3:ListBucket would see as "access denied").
      await this.client.send(
        new PutObjectCommand({ Bucket: this.where.bucket, Key: this.key(key), Body: data, IfNoneMatch: '*' }),
      );
      return true;
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'PreconditionFailed' || e.$metadata?.httpStatusCode === 412) return false;
      throw error;
    }
  }

  async upload(key: string, file: string): Promise<void> {
    const { size } = await stat(file);
    if (size <= this.partBytes) {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.where.bucket,
          Key: this.key(key),
          Body: createReadStream(file),
          ContentLength: size,
        }),
      );
      return;
    }
    await this.multipart(key, file, size);
  }

  close(): void {
    this.client.destroy();
  }

  private async multipart(key: string, file: string, size: number): Promise<void> {
    const target = { Bucket: this.where.bucket, Key: this.key(key) };
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand(target));
    const handle = await open(file, 'r');
    try {
      const parts: CompletedPart[] = [];
      const buffer = Buffer.allocUnsafe(this.partBytes);
      for (let offset = 0, number = 1; offset < size; offset += this.partBytes, number++) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(this.partBytes, size - offset), offset);
        const out = await this.client.send(
          new UploadPartCommand({ ...target, UploadId, PartNumber: number, Body: buffer.subarray(0, bytesRead) }),
        );
        parts.push({ PartNumber: number, ETag: out.ETag });
      }
      await this.client.send(
        new CompleteMultipartUploadCommand({ ...target, UploadId, MultipartUpload: { Parts: parts } }),
      );
    } catch (error) {
      await this.client.send(new AbortMultipartUploadCommand({ ...target, UploadId })).catch(() => undefined);
      throw error;
    } finally {
      await handle.close();
    }
  }

  private key(key: string): string {
    return this.where.prefix + key;
  }
}
