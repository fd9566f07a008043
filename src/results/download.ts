// Downloads everything under an S3 prefix into a folder: bounded concurrency, each object written to
// a temporary file beside it (`<name>.part`, or a short hashed name when that would be too long or is
// itself a key; created afresh, never through a link) and renamed once its size and checksum (the
// service's CRC32, else the ETag's MD5) check out, files already there with the same size and
// checksum skipped, so an interrupted download run again finishes with every file intact. Keys that
// could land outside the folder or cannot be a file name are refused and listed (each with its kind),
// never written. Cancellable with an AbortSignal, on which it sets one listener however many
// transfers are in flight. No vscode import.
import { createHash } from 'node:crypto';
import { lstat, mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import * as zlib from 'node:zlib';
import { AbortError, systemClock } from '../shared/clock';
import { fileMatchesEtag, parseEtag } from './etag';
import { MAX_NAME_BYTES, pathInside, placeKey, type RefusalKind } from './pathSafety';
import type { GetObjectResult, S3Api, S3Object } from './s3Api';

export { refusalSummary } from './refusals';

export interface DownloadOptions {
  s3: S3Api;
  bucket: string;
  /** Empty or ending with "/". */
  prefix: string;
  /** The folder everything goes into; created if missing. */
  destination: string;
  /** Objects downloaded at the same time (default 16). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?(progress: DownloadProgress): void;
  progressIntervalMs?: number;
  /** Relative paths (with "/") to leave out, e.g. the run's secret. */
  exclude?(relative: string): boolean;
  /** Extra attempts for an object whose transfer broke off, arrived damaged or was throttled (default 3). */
  retries?: number;
  /** First pause before a retry; it doubles each time, with jitter (default 200 ms). */
  retryDelayMs?: number;
  platform?: string;
}

export interface DownloadProgress {
  phase: 'listing' | 'downloading' | 'done';
  filesTotal: number;
  /** Downloaded, skipped or failed. */
  filesDone: number;
  filesDownloaded: number;
  filesSkipped: number;
  bytesTotal: number;
  bytesDone: number;
}

export interface RefusedKey {
  key: string;
  /** Which rule refused it; refusalSummary() words each kind. */
  refusal: RefusalKind;
  /** For the log: the rule in words. */
  reason: string;
}

export interface FailedKey {
  key: string;
  relative: string;
  message: string;
}

export interface DownloadSummary {
  destination: string;
  /** Objects to be written (refused, excluded and folder markers not counted). */
  files: number;
  downloaded: number;
  skipped: number;
  bytesTotal: number;
  bytesDownloaded: number;
  refused: RefusedKey[];
  excluded: string[];
  failed: FailedKey[];
  cancelled: boolean;
  seconds: number;
}

interface Task {
  object: S3Object;
  relative: string;
  segments: string[];
  target: string;
  temp: string;
}

export async function downloadPrefix(options: DownloadOptions): Promise<DownloadSummary> {
  return new Download(options).run();
}

class Download {
  private readonly root: string;
  private readonly signal: AbortSignal | undefined;
  private readonly progress: DownloadProgress = {
    phase: 'listing',
    filesTotal: 0,
    filesDone: 0,
    filesDownloaded: 0,
    filesSkipped: 0,
    bytesTotal: 0,
    bytesDone: 0,
  };
  private readonly refused: RefusedKey[] = [];
  private readonly excluded: string[] = [];
  private readonly failed: FailedKey[] = [];
  private readonly verifiedDirs = new Set<string>();
  private bytesDownloaded = 0;
  private lastReport = 0;
  /** Paths of the regular files and links in the folder when the download started. */
  private existing = new Set<string>();
  /**
   * One controller per transfer (and per listing page) in flight: the caller's signal gets a single
   * listener that aborts them all, rather than one listener per GET (which Node reports as a
   * MaxListenersExceededWarning past 10).
   */
  private readonly inFlight = new Set<AbortController>();

  constructor(private readonly options: DownloadOptions) {
    this.root = resolve(options.destination);
    this.signal = options.signal;
  }

  async run(): Promise<DownloadSummary> {
    const onAbort = () => {
      for (const controller of this.inFlight) controller.abort(this.signal?.reason);
    };
    this.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.download();
    } finally {
      this.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** A signal for one transfer or request: aborted when the caller's is. Call done() after it. */
  private child(): { signal: AbortSignal; done(): void } {
    const controller = new AbortController();
    if (this.signal?.aborted) controller.abort(this.signal.reason);
    this.inFlight.add(controller);
    return { signal: controller.signal, done: () => this.inFlight.delete(controller) };
  }

  private async download(): Promise<DownloadSummary> {
    const started = Date.now();
    await mkdir(this.root, { recursive: true });
    let objects: S3Object[];
    try {
      objects = await this.list();
    } catch (error) {
      if (!this.signal?.aborted) throw error;
      objects = [];
    }
    const tasks = this.plan(objects);
    this.existing = await filesUnder(this.root);
    this.progress.phase = 'downloading';
    this.progress.filesTotal = tasks.length;
    this.progress.bytesTotal = tasks.reduce((sum, task) => sum + task.object.size, 0);
    this.report(true);

    let next = 0;
    const worker = async () => {
      while (next < tasks.length && !this.signal?.aborted) await this.one(tasks[next++]);
    };
    const width = Math.max(1, Math.min(this.options.concurrency ?? 16, tasks.length));
    await Promise.all(Array.from({ length: width }, worker));

    this.progress.phase = 'done';
    this.report(true);
    return {
      destination: this.root,
      files: tasks.length,
      downloaded: this.progress.filesDownloaded,
      skipped: this.progress.filesSkipped,
      bytesTotal: this.progress.bytesTotal,
      bytesDownloaded: this.bytesDownloaded,
      refused: this.refused,
      excluded: this.excluded,
      failed: this.failed,
      cancelled: this.signal?.aborted ?? false,
      seconds: (Date.now() - started) / 1000,
    };
  }

  private async list(): Promise<S3Object[]> {
    const objects: S3Object[] = [];
    let token: string | undefined;
    do {
      if (this.signal?.aborted) throw new AbortError('Download cancelled');
      const request = this.child();
      let page;
      try {
        page = await this.options.s3.listObjects(this.options.bucket, this.options.prefix, token, request.signal);
      } finally {
        request.done();
      }
      objects.push(...page.objects);
      token = page.nextToken;
      this.progress.filesTotal = objects.length;
      this.report();
    } while (token);
    return objects;
  }

  private plan(objects: S3Object[]): Task[] {
    const platform = this.options.platform ?? process.platform;
    const fold = platform === 'win32' || platform === 'darwin' ? (s: string) => s.toLowerCase() : (s: string) => s;
    const placed: Task[] = [];
    const seen = new Map<string, string>();
    for (const object of objects) {
      const verdict = placeKey(object.key, this.options.prefix, object.size, platform);
      if (verdict.kind === 'refused') {
        this.refused.push({ key: object.key, refusal: verdict.refusal, reason: verdict.reason });
        continue;
      }
      if (verdict.kind === 'folderMarker') continue;
      if (this.options.exclude?.(verdict.relative)) {
        this.excluded.push(verdict.relative);
        continue;
      }
      const folded = fold(verdict.relative);
      const other = seen.get(folded);
      if (other !== undefined) {
        this.fail(object, verdict.relative, `differs from ${other} only in letter case`);
        continue;
      }
      seen.set(folded, object.key);
      let target: string;
      try {
        target = pathInside(this.root, verdict.segments);
      } catch (error) {
        this.refused.push({ key: object.key, refusal: 'outside', reason: (error as Error).message });
        continue;
      }
      placed.push({ object, relative: verdict.relative, segments: verdict.segments, target, temp: '' });
    }
    // A key "a" and a key "a/b" cannot both be written.
    const folders = new Set<string>();
    for (const task of placed) {
      for (let i = 1; i < task.segments.length; i++) folders.add(fold(task.segments.slice(0, i).join('/')));
    }
    const files = new Set(placed.map((task) => fold(task.relative)));
    const temps = new Set<string>();
    const tasks: Task[] = [];
    for (const task of placed) {
      if (folders.has(fold(task.relative))) {
        this.fail(task.object, task.relative, 'another key uses this name as a folder');
        continue;
      }
      const name = temporaryName(task, (relative) => files.has(fold(relative)) || temps.has(fold(relative)));
      temps.add(fold(name));
      task.temp = join(dirname(task.target), name.slice(name.lastIndexOf('/') + 1));
      tasks.push(task);
    }
    return tasks;
  }

  private async one(task: Task): Promise<void> {
    const transfer = this.child();
    try {
      await this.transfer(task, transfer.signal);
    } finally {
      transfer.done();
    }
  }

  private async transfer(task: Task, signal: AbortSignal): Promise<void> {
    try {
      if (await this.alreadyThere(task, signal)) {
        this.progress.filesSkipped++;
        this.progress.filesDone++;
        this.progress.bytesDone += task.object.size;
        this.report();
        return;
      }
      const retries = this.options.retries ?? 3;
      for (let attempt = 0; ; attempt++) {
        try {
          await this.fetch(task, signal);
          break;
        } catch (error) {
          if (this.signal?.aborted || attempt >= retries || !retryable(error)) throw error;
          // Back off, so that a throttled (503 SlowDown) or restarting endpoint gets room to recover.
          const base = (this.options.retryDelayMs ?? 200) * 2 ** attempt;
          await systemClock.sleep(base * (0.5 + Math.random()), signal);
        }
      }
      this.progress.filesDownloaded++;
      this.progress.filesDone++;
      this.report();
    } catch (error) {
      if (this.signal?.aborted) return; // cancelled, not failed: the next run picks it up
      this.fail(task.object, task.relative, describe(error));
      this.progress.filesDone++;
      this.report();
    }
  }

  private async alreadyThere(task: Task, signal: AbortSignal): Promise<boolean> {
    if (!this.existing.has(task.target)) return false;
    let info;
    try {
      info = await lstat(task.target);
    } catch {
      return false;
    }
    if (!info.isFile() || info.size !== task.object.size) return false;
    return (await fileMatchesEtag(task.target, task.object.etag, signal)) === true;
  }

  /**
   * One GET into the temporary file, then the rename. The body is read in the chunks it arrives in
   * and written in batches of up to WRITE_BATCH bytes, so a small object is checked in memory and
   * written with one write, before anything touches the disk (open, write, close, rename: four file
   * system calls, not one per chunk); a large one streams through a batch at a time.
   */
  private async fetch(task: Task, signal: AbortSignal): Promise<void> {
    await this.ensureFolders(task);
    if (this.existing.has(task.temp)) await rm(task.temp, { force: true });
    const { object } = task;
    const etag = parseEtag(object.etag);
    const result = await this.options.s3.getObject(
      this.options.bucket,
      object.key,
      object.etag,
      signal,
      !etag || etag.parts !== undefined,
    );
    const check = contentCheck(result, etag);
    let bytes = 0;
    let file: FileHandle | undefined;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      file ??= await open(task.temp, 'wx'); // a new file, failing (not following) if anything is there
      const batch = pending;
      pending = [];
      pendingBytes = 0;
      await writeAll(file, batch);
    };
    const onAbort = () => result.body.destroy(new AbortError('Download cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal.aborted) throw new AbortError('Download cancelled');
      for await (const chunk of result.body as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        if (bytes > object.size) throw new DamagedError(`received more than the ${object.size} bytes expected`);
        check?.update(chunk);
        pending.push(chunk);
        pendingBytes += chunk.length;
        this.progress.bytesDone += chunk.length;
        this.report();
        if (pendingBytes >= WRITE_BATCH) await flush();
      }
      if (bytes !== object.size) throw new DamagedError(`received ${bytes} bytes, expected ${object.size}`);
      const mismatch = check?.mismatch();
      if (mismatch) throw new DamagedError(mismatch);
      await flush();
      await file!.close();
      file = undefined;
      await rename(task.temp, task.target);
      this.bytesDownloaded += bytes;
    } catch (error) {
      // A leftover temporary file nobody knew about: the next attempt removes it first.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') this.existing.add(task.temp);
      this.progress.bytesDone -= bytes;
      result.body.destroy();
      if (file) {
        await file.close().catch(() => undefined);
        await rm(task.temp, { force: true }).catch(() => undefined);
      }
      throw error;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Creates the folders above a file one at a time, refusing to go through a link or a file. */
  private async ensureFolders(task: Task): Promise<void> {
    let path = this.root;
    for (const segment of task.segments.slice(0, -1)) {
      path = join(path, segment);
      if (this.verifiedDirs.has(path)) continue;
      const created = await mkdir(path).then(
        () => true,
        (error: NodeJS.ErrnoException) => {
          if (error.code !== 'EEXIST') throw error;
          return false;
        },
      );
      if (!created) {
        // Something is already there: only a real folder will do.
        const info = await lstat(path);
        if (info.isSymbolicLink()) throw new Error(`${path} is a symbolic link; not following it`);
        if (!info.isDirectory()) throw new Error(`${path} is a file, not a folder`);
      }
      this.verifiedDirs.add(path);
    }
  }

  private fail(object: S3Object, relative: string, message: string): void {
    this.failed.push({ key: object.key, relative, message });
  }

  private report(force = false): void {
    const now = Date.now();
    if (!force && now - this.lastReport < (this.options.progressIntervalMs ?? 100)) return;
    this.lastReport = now;
    this.options.onProgress?.({ ...this.progress });
  }
}

/**
 * The temporary file's path (relative, with "/") for a task: "<name>.part" when that fits in a file
 * name and is no other key's (or temporary file's) name, else ".<hash of the name>.part", which is
 * always short. taken(relative) says whether a path is spoken for.
 */
function temporaryName(task: Task, taken: (relative: string) => boolean): string {
  const folder = task.segments.slice(0, -1).join('/');
  const inFolder = (name: string) => (folder ? `${folder}/${name}` : name);
  const name = task.segments[task.segments.length - 1];
  const plain = inFolder(`${name}.part`);
  if (Buffer.byteLength(name) + '.part'.length <= MAX_NAME_BYTES && !taken(plain)) return plain;
  const hash = createHash('sha256').update(task.relative).digest('hex').slice(0, 24);
  for (let i = 0; ; i++) {
    const candidate = inFolder(`.${hash}${i ? `-${i}` : ''}.part`);
    if (!taken(candidate)) return candidate;
  }
}

/** Every non-folder entry below root (links are not followed). */
async function filesUnder(root: string): Promise<Set<string>> {
  const found = new Set<string>();
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory()) found.add(join(entry.parentPath ?? entry.path, entry.name));
  }
  return found;
}

/** Bytes gathered before a write: a small object is written at once, a large one in steps this size. */
const WRITE_BATCH = 1024 * 1024;

async function writeAll(file: FileHandle, chunks: Buffer[]): Promise<void> {
  if (!chunks.length) return;
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const { bytesWritten } = await file.writev(chunks);
  if (bytesWritten < total) await file.write(Buffer.concat(chunks).subarray(bytesWritten)); // a short write
}

interface ContentCheck {
  update(chunk: Buffer): void;
  /** Why the content is not what the service holds, or undefined when it is. */
  mismatch(): string | undefined;
}

/** Native CRC32 where Node has it (20.15+), for the service's full-object CRC32. */
const crc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/**
 * How to check a body: the service's full-object CRC32 when it sent one (native, cheap), else the MD5
 * of a single-part ETag unless SSE-KMS makes it something else; none when the SDK checks the service's
 * checksum itself (multipart, no ETag).
 */
function contentCheck(result: GetObjectResult, etag: ReturnType<typeof parseEtag>): ContentCheck | undefined {
  if (result.checksumCrc32 && crc32) {
    const expected = Buffer.from(result.checksumCrc32, 'base64').readUInt32BE(0);
    let value = 0;
    return {
      update: (chunk) => (value = crc32(chunk, value)),
      mismatch: () => (value === expected ? undefined : 'the content does not match its CRC32'),
    };
  }
  if (etag && etag.parts === undefined && !/kms/i.test(result.serverSideEncryption ?? '')) {
    const hash = createHash('md5');
    return {
      update: (chunk) => hash.update(chunk),
      mismatch: () => (hash.digest('hex') === etag.md5 ? undefined : 'the content does not match its MD5'),
    };
  }
  return undefined;
}

class DamagedError extends Error {
  override name = 'DamagedError';
}

function retryable(error: unknown): boolean {
  const err = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode;
  if (status === 429) return true;
  if (status !== undefined && status >= 400 && status < 500) return false;
  return !['NoSuchKey', 'AccessDenied', 'PreconditionFailed', 'NoSuchBucket'].includes(err.name ?? '');
}

function describe(error: unknown): string {
  const err = error as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  if (err.name === 'PreconditionFailed' || err.$metadata?.httpStatusCode === 412)
    return 'the object changed while downloading; run Download Results again';
  if (err.name === 'NoSuchKey') return 'the object was deleted after the listing';
  if (err.name === 'AccessDenied') return 'access denied (s3:GetObject)';
  const text = (err.message ?? String(error)).split('\n')[0];
  return err.code && !text.includes(err.code) ? `${text} (${err.code})` : text;
}
