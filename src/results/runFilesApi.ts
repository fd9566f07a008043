// The slice of S3 that the Runs view uses: the run folders under a results prefix and the small JSON
// files in them, read with conditional GETs. A plain interface; the adapter over the AWS SDK is
// src/aws/runFilesS3.ts (in the lazily loaded SDK bundle). No vscode import.

/** What a (conditional) read found. */
export type FetchedFile =
  | { kind: 'found'; text: string; etag: string | undefined }
  /** If-None-Match matched: the caller's copy is current (HTTP 304). */
  | { kind: 'notModified' }
  | { kind: 'missing' };

export interface RunFilesApi {
  /** The names of the folders directly under `prefix` (ListObjectsV2 with a delimiter), every page. */
  listFolders(bucket: string, prefix: string, signal?: AbortSignal): Promise<string[]>;
  /** One small object as text; with `ifNoneMatch`, `notModified` when its ETag still matches. */
  read(bucket: string, key: string, ifNoneMatch?: string, signal?: AbortSignal): Promise<FetchedFile>;
  write(bucket: string, key: string, text: string): Promise<void>;
  /** Deletes every object under `prefix`; returns how many there were. */
  deletePrefix(bucket: string, prefix: string, signal?: AbortSignal): Promise<number>;
}
