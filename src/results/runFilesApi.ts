// The slice of storage that the Runs view uses: the run folders under a results location and the
// small JSON files in them, read with conditional GETs. Locations and files are URIs: `s3://bucket/key`
// for runs on AWS Batch, `file:///…/.batch-runner/runs/<runId>/` for local runs (Run Locally), which
// have the same layout. A plain interface: over S3 src/aws/runFilesS3.ts (in the lazily loaded SDK
// bundle), on disk ./localRunFiles.ts, and ./runFilesRouter.ts picks one by the URI's scheme.
// No vscode import.

/** What a (conditional) read found. */
export type FetchedFile =
  | { kind: 'found'; text: string; etag: string | undefined }
  /** If-None-Match matched: the caller's copy is current (HTTP 304). */
  | { kind: 'notModified' }
  | { kind: 'missing' };

export interface RunFilesApi {
  /** The names of the folders directly under the location (`…/`), every page. */
  listFolders(locationUri: string, signal?: AbortSignal): Promise<string[]>;
  /** One small file as text; with `ifNoneMatch`, `notModified` when its ETag still matches. */
  read(fileUri: string, ifNoneMatch?: string, signal?: AbortSignal): Promise<FetchedFile>;
  write(fileUri: string, text: string): Promise<void>;
  /** Deletes everything under the folder (`…/`); returns how many files there were. */
  deletePrefix(folderUri: string, signal?: AbortSignal): Promise<number>;
}
