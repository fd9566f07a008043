// Run folders written straight into the stand-ins' bucket, in the shapes the Runs view reads
// (src/models/runs/runFiles.ts): a finished run, a failed one with failed tasks and their last lines,
// a running one whose progress.json the test rewrites. Used by the extension-host test
// (test/vscode/runs.test.ts) and, compiled, by the UI smoke (test/ui/runs.mjs).
import { randomBytes } from 'node:crypto';
import {
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';

export const BUCKET = 'batch-runner-results';

export function newS3(config: S3ClientConfig = {}): S3Client {
  return new S3Client({ forcePathStyle: true, ...config });
}

/** `<name>-<yyyymmdd-hhmmss>-<hex>`, the run id Submit makes, `secondsAgo` in the past. */
export function runIdAt(name: string, secondsAgo: number): string {
  const at = new Date(Date.now() - secondsAgo * 1000);
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace('T', '-')
    .replace(/\.\d+Z$/, '');
  return `${name}-${stamp}-${randomBytes(2).toString('hex')}`;
}

const iso = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString();

export class RunFolders {
  readonly prefix: string;
  constructor(
    readonly s3: S3Client,
    /** A prefix of the test's own, e.g. ui-runs-<random>/. */
    prefix: string,
  ) {
    this.prefix = prefix.endsWith('/') ? prefix : `${prefix}/`;
  }

  get location(): string {
    return `s3://${BUCKET}/${this.prefix}`;
  }

  uri(runId: string): string {
    return `${this.location}${runId}/`;
  }

  async put(runId: string, name: string, body: unknown): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `${this.prefix}${runId}/${name}`,
        Body: typeof body === 'string' ? body : JSON.stringify(body, null, 2),
        ContentType: 'application/json',
      }),
    );
  }

  async keys(runId?: string): Promise<string[]> {
    const out = await this.s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: runId ? `${this.prefix}${runId}/` : this.prefix }),
    );
    return (out.Contents ?? []).map((object) => object.Key!).filter(Boolean);
  }

  spec(runId: string, name: string, tasks: number, workers: number): Record<string, unknown> {
    return { name, runId, tasks: { command: ['python', 'sim.py', '${index}'], count: tasks }, workers };
  }

  /** A run that ended well (created `createdSecondsAgo` ago): 4 tasks, 2 vCPU-hours. */
  async succeeded(name: string, createdSecondsAgo = 3600): Promise<string> {
    const runId = runIdAt(name, createdSecondsAgo);
    await this.put(runId, 'run.json', this.spec(runId, name, 4, 2));
    await this.put(runId, 'tasks/0/output.json', { square: 0 });
    await this.put(runId, 'results.jsonl', '{"square":0}\n');
    await this.put(runId, 'summary.json', {
      runId,
      name,
      mode: 'tasks',
      status: 'succeeded',
      exitCode: 0,
      startedAt: iso(3600),
      finishedAt: iso(3600 - 723),
      durationSeconds: 723,
      tasks: { total: 4, queued: 0, running: 0, succeeded: 4, failed: 0, retried: 1 },
      failures: [],
      usage: { managerSeconds: 723, workerSeconds: 2877, vcpus: 2 },
      workers: { min: 1, max: 2, everConnected: 2 },
      droppedConnections: 0,
    });
    return runId;
  }

  /** A run that failed (created `createdSecondsAgo` ago): 2 of 6 tasks failed for good, with their last lines. */
  async failed(name: string, createdSecondsAgo = 1800): Promise<string> {
    const runId = runIdAt(name, createdSecondsAgo);
    await this.put(runId, 'run.json', this.spec(runId, name, 6, 3));
    await this.put(runId, 'summary.json', {
      runId,
      name,
      mode: 'tasks',
      status: 'failed',
      exitCode: 3,
      reason: '2 of 6 tasks failed',
      startedAt: iso(1800),
      finishedAt: iso(1800 - 95),
      durationSeconds: 95,
      tasks: { total: 6, queued: 0, running: 0, succeeded: 4, failed: 2, retried: 2 },
      failures: [
        {
          index: 3,
          attempts: 2,
          exitCode: 1,
          reason: 'exit code 1 (attempt 2 of 2)',
          tail: ['loading input 3', 'Traceback (most recent call last):', 'ValueError: negative variance'],
        },
        { index: 5, attempts: 2, exitCode: 137, reason: 'killed (attempt 2 of 2)', tail: ['step 410/1000'] },
      ],
      usage: { managerSeconds: 95, workerSeconds: 250, vcpus: 1 },
      workers: { min: 1, max: 3, everConnected: 3 },
      droppedConnections: 0,
    });
    return runId;
  }

  /** A run in progress (its progress.json is the caller's), created `createdSecondsAgo` ago. */
  async running(name: string, total: number, workers: number, createdSecondsAgo = 300): Promise<string> {
    const runId = runIdAt(name, createdSecondsAgo);
    await this.put(runId, 'run.json', this.spec(runId, name, total, workers));
    return runId;
  }

  async progress(
    runId: string,
    name: string,
    counts: { total: number; succeeded: number; failed: number; running: number; workers: number; connected: number },
    options: { state?: string; managerJobId?: string; failures?: unknown[] } = {},
  ): Promise<void> {
    const queued = counts.total - counts.succeeded - counts.failed - counts.running;
    await this.put(runId, 'progress.json', {
      runId,
      name,
      mode: 'tasks',
      state: options.state ?? 'running',
      seq: Date.now(),
      startedAt: iso(300),
      updatedAt: iso(0),
      managerJobId: options.managerJobId,
      tasks: {
        total: counts.total,
        queued,
        running: counts.running,
        succeeded: counts.succeeded,
        failed: counts.failed,
      },
      workers: { min: 1, max: counts.workers, connected: counts.connected, launch: { running: counts.connected } },
      failures: options.failures ?? [],
      usage: { managerSeconds: 300, workerSeconds: 300 * counts.connected, vcpus: 1 },
    });
  }

  async summary(runId: string, name: string, total: number): Promise<void> {
    await this.put(runId, 'summary.json', {
      runId,
      name,
      mode: 'tasks',
      status: 'succeeded',
      exitCode: 0,
      startedAt: iso(300),
      finishedAt: iso(0),
      durationSeconds: 300,
      tasks: { total, queued: 0, running: 0, succeeded: total, failed: 0, retried: 0 },
      failures: [],
      workers: { min: 1, max: 2, everConnected: 2 },
      droppedConnections: 0,
    });
  }

  /** Removes every object under the test's prefix. */
  async clean(): Promise<void> {
    for (;;) {
      const keys = await this.keys();
      if (keys.length === 0) return;
      await this.s3.send(
        new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
      );
    }
  }
}
