// The read-only "full log" documents of Open Full Log, keyed by their URI (as a string): the whole
// log of a job (FullLog), its rendered text, and "load older events". No vscode import.
import type { FullLog } from './fullLog';
import type { FollowConnection, JobRef } from './followRegistry';
import { describeJob, fullLogSources } from './jobLookup';

/** Where a job's document lives: the parts of its URI after the scheme. */
export interface LogDocumentLocation {
  path: string;
  query: string;
}

interface LogDocument {
  log: FullLog;
  jobName: string;
}

export class FullLogDocuments {
  private readonly documents = new Map<string, LogDocument>();

  constructor(private readonly connect: () => Promise<FollowConnection>) {}

  /**
   * Reads the newest events of every stream of the job and keeps them under the key that `keyOf`
   * makes of the document's location; returns that key.
   */
  async open(ref: JobRef, keyOf: (location: LogDocumentLocation) => string): Promise<string> {
    const connection = await this.connect();
    const { FullLog } = await import('./fullLog');
    const detail = await describeJob(connection.batch, ref.jobId);
    const sources = await fullLogSources(connection.batch, detail);
    const jobName = detail.jobName ?? ref.jobId;
    const log = new FullLog(await connection.logsApi(), sources);
    await log.load();
    const key = keyOf({
      path: `/${jobName.replace(/[\\/:*?"<>|]/g, '_')}.log`,
      query: `jobId=${encodeURIComponent(ref.jobId)}`,
    });
    this.documents.set(key, { log, jobName });
    return key;
  }

  has(key: string): boolean {
    return this.documents.has(key);
  }

  /** The document was closed. */
  forget(key: string): void {
    this.documents.delete(key);
  }

  jobName(key: string): string | undefined {
    return this.documents.get(key)?.jobName;
  }

  hasOlder(key: string): boolean {
    return this.documents.get(key)?.log.hasOlder ?? false;
  }

  /** The text of the document; `query` is its URI's, for a document this window did not open. */
  render(key: string, query: string): string {
    const entry = this.documents.get(key);
    if (entry) return entry.log.render();
    const jobId = new URLSearchParams(query).get('jobId');
    return jobId
      ? `This log was opened in an earlier window. Run "AWS Batch: Open Full Log" again for job ${jobId}.\n`
      : '';
  }

  /** Reads one more page of every stream of the document. */
  async loadOlder(key: string): Promise<void> {
    await this.documents.get(key)?.log.loadOlder();
  }
}
