// An in-memory S3 for the Runs model: objects with ETags, conditional reads (304 when the ETag
// matches), folder listing with a delimiter, and a record of every call. The integration tests use
// moto's S3 through src/aws/runFilesS3.ts instead.
import { createHash } from 'node:crypto';
import type { FetchedFile, RunFilesApi } from '../../../src/results/runFilesApi';
import { parseRunUri } from '../../../src/results/runUris';

/** Bucket and key of an s3:// URI. */
function s3(uri: string): { bucket: string; key: string } {
  const parsed = parseRunUri(uri);
  if (parsed.scheme !== 's3') throw new Error(`FakeRunFiles: ${uri} is not an s3:// URI`);
  return parsed;
}

export class FakeRunFiles implements RunFilesApi {
  readonly objects = new Map<string, string>();
  calls: string[] = [];
  /** Reads of keys ending in one of these fail with this error. */
  failReads: { suffix: string; error: Error } | undefined;
  failList: Error | undefined;

  put(bucket: string, key: string, body: string | object): void {
    this.objects.set(`${bucket}/${key}`, typeof body === 'string' ? body : JSON.stringify(body));
  }

  has(bucket: string, key: string): boolean {
    return this.objects.has(`${bucket}/${key}`);
  }

  /** Calls since the last reset, and resets. */
  take(): string[] {
    const calls = this.calls;
    this.calls = [];
    return calls;
  }

  async listFolders(uri: string): Promise<string[]> {
    const { bucket, key: prefix } = s3(uri);
    this.calls.push(`List ${prefix}`);
    if (this.failList) throw this.failList;
    const names = new Set<string>();
    for (const key of this.objects.keys()) {
      const start = `${bucket}/${prefix}`;
      if (!key.startsWith(start)) continue;
      const rest = key.slice(start.length);
      if (rest.includes('/')) names.add(rest.slice(0, rest.indexOf('/')));
    }
    return [...names].sort();
  }

  async read(uri: string, ifNoneMatch?: string): Promise<FetchedFile> {
    const { bucket, key } = s3(uri);
    this.calls.push(`Get ${key}${ifNoneMatch ? ' (if-none-match)' : ''}`);
    if (this.failReads && key.endsWith(this.failReads.suffix)) throw this.failReads.error;
    const text = this.objects.get(`${bucket}/${key}`);
    if (text === undefined) return { kind: 'missing' };
    const etag = `"${createHash('md5').update(text).digest('hex')}"`;
    if (ifNoneMatch === etag) return { kind: 'notModified' };
    return { kind: 'found', text, etag };
  }

  async write(uri: string, text: string): Promise<void> {
    const { bucket, key } = s3(uri);
    this.calls.push(`Put ${key}`);
    this.objects.set(`${bucket}/${key}`, text);
  }

  async deletePrefix(uri: string): Promise<number> {
    const { bucket, key: prefix } = s3(uri);
    this.calls.push(`Delete ${prefix}`);
    let deleted = 0;
    for (const key of [...this.objects.keys()]) {
      if (key.startsWith(`${bucket}/${prefix}`)) {
        this.objects.delete(key);
        deleted++;
      }
    }
    return deleted;
  }
}
