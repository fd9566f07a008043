// The run store: where a run's spec, secret, task outputs, progress and results live. The same
// layout on S3 (`s3://bucket/prefix/<runId>/`) and on a filesystem (a folder), so local runs and
// the tests exercise what Batch runs do.
//
//   run.json        the spec (RunSpec), written by Submit before the manager starts
//   secret          the run secret, 64 hex characters; created by the manager if absent
//   tasks/<i>/...   the files a task wrote to TASK_OUTPUT_DIR, uploaded by its worker
//   progress.json   counts, rewritten (throttled) as tasks finish
//   summary.json    the outcome, written once at the end
//   inputs.jsonl    task inputs, one JSON value per line (run.json's tasks.inputsFile names it)
//   results.jsonl   one line {"index":i,"output":<output.json>} per task with an output.json, in index order

export const KEYS = {
  spec: 'run.json',
  secret: 'secret',
  progress: 'progress.json',
  summary: 'summary.json',
  results: 'results.jsonl',
  taskPrefix: (index: number) => `tasks/${index}/`,
} as const;

export interface RunStore {
  /** The location as given (`s3://…/` or a path), for logs. */
  readonly location: string;
  /** The object's bytes, or undefined when it does not exist. */
  read(key: string): Promise<Buffer | undefined>;
  write(key: string, data: string | Buffer, options?: { private?: boolean }): Promise<void>;
  /** Writes only if the key does not exist yet (atomically); false when it already did. */
  create(key: string, data: string | Buffer, options?: { private?: boolean }): Promise<boolean>;
  /** The object as a stream (large inputs files never sit in memory), or undefined when absent. */
  readStream?(key: string): Promise<NodeJS.ReadableStream | undefined>;
  /** Streams a local file into the store (large files never sit in memory). */
  upload(key: string, file: string): Promise<void>;
  /** Releases clients and sockets. */
  close(): void;
}

export interface S3Location {
  bucket: string;
  /** Key prefix ending in "/" (or empty). */
  prefix: string;
}

export function parseS3Uri(uri: string): S3Location | undefined {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) return undefined;
  const prefix = match[2] === '' || match[2].endsWith('/') ? match[2] : `${match[2]}/`;
  return { bucket: match[1], prefix };
}

/** Reads and parses a JSON object from the store, or undefined when absent. */
export async function readJson(store: RunStore, key: string): Promise<unknown> {
  const data = await store.read(key);
  return data === undefined ? undefined : JSON.parse(data.toString('utf8'));
}
