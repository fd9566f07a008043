// Thin VS Code side of the log followers: an output channel per followed job, named after it, fed by
// a JobLogSession (src/logs); the read-only "full log" documents with their "load older events"
// action; and the one rate limiter that every GetLogEvents call of the extension goes through.
import * as vscode from 'vscode';
import type { AwsClients } from '../aws/clients';
import { describeJob, fullLogSources } from '../logs/jobLookup';
import type { AwsLogsApi } from '../aws/logsFollowApi';
import { formatLines } from '../logs/format';
import type { FullLog } from '../logs/fullLog';
import { RateLimiter } from '../logs/rateLimiter';
import type { Services } from '../ui/services';

export const LOG_SCHEME = 'aws-batch-log';
const FOLLOWING_CONTEXT = 'awsBatch.following';
/** What the transcript of a followed job keeps (for tests and "copy"); the channel keeps everything. */
const TRANSCRIPT_LIMIT = 2_000_000;
/** Output channels of finished follows kept; older ones are closed so the Output list stays short. */
const FINISHED_CHANNELS_KEPT = 10;

export interface JobRef {
  jobId: string;
  jobName?: string;
}

export interface FollowedJob {
  readonly jobId: string;
  readonly jobName: string;
  readonly channel: vscode.OutputChannel;
  /** Resolves when following ended (the job finished and its streams drained, or Stop Following). */
  readonly done: Promise<void>;
  active: boolean;
  /** The text written to the channel, up to TRANSCRIPT_LIMIT characters. */
  transcript: string;
  stop(): void;
}

interface LogDocument {
  log: FullLog;
  jobName: string;
}

export class LogFollowing implements vscode.Disposable {
  readonly limiter: RateLimiter;
  private readonly followed = new Map<string, FollowedJob>();
  private readonly starting = new Map<string, Promise<FollowedJob>>();
  private readonly apis = new WeakMap<AwsClients, AwsLogsApi>();
  /** The retry-less Logs clients made for the followers, destroyed with the shared clients. */
  private ownClients: { destroy(): void }[] = [];
  private readonly documents = new Map<string, LogDocument>();
  private readonly documentChanged = new vscode.EventEmitter<vscode.Uri>();
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly services: Services) {
    this.limiter = new RateLimiter({ ratePerSecond: this.requestsPerSecond() });
    this.disposables.push(
      this.documentChanged,
      this.lensesChanged,
      vscode.workspace.registerTextDocumentContentProvider(LOG_SCHEME, {
        onDidChange: this.documentChanged.event,
        provideTextDocumentContent: (uri) => this.content(uri),
      }),
      vscode.languages.registerCodeLensProvider(
        { scheme: LOG_SCHEME },
        {
          onDidChangeCodeLenses: this.lensesChanged.event,
          provideCodeLenses: (document) => this.lenses(document.uri),
        },
      ),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('awsBatch.logs.maxRequestsPerSecond'))
          this.limiter.setRate(this.requestsPerSecond());
      }),
      vscode.workspace.onDidCloseTextDocument((document) => {
        if (document.uri.scheme === LOG_SCHEME) this.documents.delete(document.uri.toString());
      }),
      // Step 3 of the story: the submitted manager job's log starts streaming at once.
      services.onDidSubmitRun((run) => {
        if (!vscode.workspace.getConfiguration('awsBatch.logs').get<boolean>('followAfterSubmit', true)) return;
        this.follow({ jobId: run.jobId, jobName: run.jobName }).catch((error: unknown) =>
          this.services.output.error(
            `Show Logs after Submit: ${this.services.explain(error, 'batch:DescribeJobs').detail}`,
          ),
        );
      }),
      services.onDidChangeAwsTarget(() => {
        for (const job of this.followed.values()) {
          if (!job.active) continue;
          job.stop();
          job.channel.appendLine('── The AWS profile, region or endpoint changed: run Show Logs again to follow.');
        }
        this.destroyClients();
      }),
    );
  }

  /** Jobs whose logs are (or were) followed in this window, most recent last. */
  all(): FollowedJob[] {
    return [...this.followed.values()];
  }

  active(): FollowedJob[] {
    return this.all().filter((job) => job.active);
  }

  get(jobId: string): FollowedJob | undefined {
    return this.followed.get(jobId);
  }

  /** Starts following a job into its own output channel (or shows the channel if already following). */
  follow(ref: JobRef): Promise<FollowedJob> {
    // A second Show Logs while the first is still starting joins it instead of opening another channel.
    let starting = this.starting.get(ref.jobId);
    if (!starting) {
      starting = this.startFollowing(ref).finally(() => this.starting.delete(ref.jobId));
      this.starting.set(ref.jobId, starting);
    }
    return starting;
  }

  private async startFollowing(ref: JobRef): Promise<FollowedJob> {
    const existing = this.followed.get(ref.jobId);
    if (existing?.active) {
      existing.channel.show(true);
      return existing;
    }
    const clients = await this.services.aws();
    const [{ LogFollower }, { JobLogSession, summaryLine }] = await Promise.all([
      import('../logs/follower'),
      import('../logs/jobSession'),
    ]);
    const jobs = clients.batch;
    const detail = await describeJob(jobs, ref.jobId);
    const jobName = detail.jobName ?? ref.jobName ?? ref.jobId;
    const channel = existing?.channel ?? vscode.window.createOutputChannel(this.channelName(jobName, ref.jobId), 'log');
    channel.clear();

    const config = vscode.workspace.getConfiguration('awsBatch.logs');
    const timestamps = config.get<boolean>('timestamps', false);
    let pending = '';
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      flushTimer = undefined;
      if (!pending) return;
      channel.append(pending);
      if (followed.transcript.length < TRANSCRIPT_LIMIT) followed.transcript += pending;
      pending = '';
    };
    const write = (text: string) => {
      pending += text;
      flushTimer ??= setTimeout(flush, 100);
    };
    const notice = (text: string) => write(`── ${text}\n`);

    const follower = new LogFollower({
      api: await this.logsApi(clients),
      liveTail: config.get<boolean>('liveTail', true),
      onLines: (lines) => write(formatLines(lines, { timestamps })),
      onNotice: notice,
      onProblem: (problem) => notice(problem ? problem.message : 'Reading the log works again.'),
    });
    const session = new JobLogSession({
      jobs,
      follower,
      jobId: ref.jobId,
      job: detail,
      onNotice: notice,
      statusIntervalMs: Math.min(5000, this.services.pollIntervalMs()),
    });

    const followed: FollowedJob = {
      jobId: ref.jobId,
      jobName,
      channel,
      active: true,
      transcript: '',
      done: Promise.resolve(),
      stop: () => session.stop(),
    };
    notice(`Following ${jobName} (${ref.jobId}), ${detail.status} on ${shortQueue(detail.jobQueue)}.`);
    (followed as { done: Promise<void> }).done = session
      .run()
      .then(
        (summary) => {
          write(`${summaryLine(summary, follower.stats.lines)}\n`);
          const reason = follower.stats.liveTailReason;
          if (reason) this.services.output.info(`Live Tail unavailable while following ${jobName}: ${reason}`);
        },
        (error: unknown) => {
          const problem = this.services.explain(error, 'batch:DescribeJobs');
          notice(`Following stopped: ${problem.message}`);
          this.services.output.error(problem.detail);
        },
      )
      .finally(() => {
        if (flushTimer) clearTimeout(flushTimer);
        flush();
        followed.active = false;
        this.updateContext();
      });
    this.followed.delete(ref.jobId);
    this.followed.set(ref.jobId, followed);
    this.pruneFinished();
    this.updateContext();
    channel.show(true);
    return followed;
  }

  private pruneFinished(): void {
    const finished = this.all().filter((job) => !job.active);
    for (const job of finished.slice(0, Math.max(0, finished.length - FINISHED_CHANNELS_KEPT))) {
      job.channel.dispose();
      this.followed.delete(job.jobId);
    }
  }

  /** Stops following; the channel stays with what it has. */
  stop(jobId: string): boolean {
    const job = this.followed.get(jobId);
    if (!job?.active) return false;
    job.stop();
    return true;
  }

  // ---- full log documents ----

  /** Opens the whole log of a job as a read-only document. */
  async openFullLog(ref: JobRef): Promise<vscode.TextEditor> {
    const clients = await this.services.aws();
    const { FullLog } = await import('../logs/fullLog');
    const detail = await describeJob(clients.batch, ref.jobId);
    const sources = await fullLogSources(clients.batch, detail);
    const jobName = detail.jobName ?? ref.jobId;
    const log = new FullLog(await this.logsApi(clients), sources);
    await log.load();
    const uri = vscode.Uri.from({
      scheme: LOG_SCHEME,
      path: `/${jobName.replace(/[\\/:*?"<>|]/g, '_')}.log`,
      query: `jobId=${encodeURIComponent(ref.jobId)}`,
    });
    this.documents.set(uri.toString(), { log, jobName });
    this.documentChanged.fire(uri);
    this.lensesChanged.fire();
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(document, 'log');
    return vscode.window.showTextDocument(document, { preview: false });
  }

  /** Reads one more page of every stream of the document and shows it. */
  async loadOlder(uri: vscode.Uri): Promise<boolean> {
    const entry = this.documents.get(uri.toString());
    if (!entry) return false;
    if (!entry.log.hasOlder) {
      vscode.window.setStatusBarMessage(`The whole log of ${entry.jobName} is shown.`, 3000);
      return false;
    }
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Loading older events of ${entry.jobName}` },
      () => entry.log.loadOlder(),
    );
    this.documentChanged.fire(uri);
    this.lensesChanged.fire();
    return true;
  }

  isLogDocument(uri: vscode.Uri | undefined): boolean {
    return !!uri && this.documents.has(uri.toString());
  }

  private content(uri: vscode.Uri): string {
    const entry = this.documents.get(uri.toString());
    if (entry) return entry.log.render();
    const jobId = new URLSearchParams(uri.query).get('jobId');
    return jobId
      ? `This log was opened in an earlier window. Run "AWS Batch: Open Full Log" again for job ${jobId}.\n`
      : '';
  }

  private lenses(uri: vscode.Uri): vscode.CodeLens[] {
    const entry = this.documents.get(uri.toString());
    if (!entry?.log.hasOlder) return [];
    return [
      new vscode.CodeLens(new vscode.Range(0, 0, 0, 0), {
        title: '$(fold-up) Load older events',
        command: 'awsBatch.loadOlderLogEvents',
        arguments: [uri],
      }),
    ];
  }

  // ---- plumbing ----

  private async logsApi(clients: AwsClients): Promise<AwsLogsApi> {
    let api = this.apis.get(clients);
    if (!api) {
      const { AwsLogsApi, createFollowerLogsClient } = await import('../bundles/aws');
      const client = createFollowerLogsClient(clients.logs, clients.target);
      this.ownClients.push(client);
      api = new AwsLogsApi(client, this.limiter);
      this.apis.set(clients, api);
    }
    return api;
  }

  private requestsPerSecond(): number {
    const value = vscode.workspace.getConfiguration('awsBatch.logs').get<number>('maxRequestsPerSecond', 4);
    return value > 0 ? value : 4;
  }

  private channelName(jobName: string, jobId: string): string {
    const name = `AWS Batch: ${jobName}`;
    const taken = [...this.followed.values()].some((job) => job.channel.name === name && job.jobId !== jobId);
    return taken ? `${name} (${jobId.slice(0, 8)})` : name;
  }

  private updateContext(): void {
    void vscode.commands.executeCommand('setContext', FOLLOWING_CONTEXT, this.active().length > 0);
  }

  dispose(): void {
    for (const job of this.followed.values()) {
      job.stop();
      job.channel.dispose();
    }
    this.followed.clear();
    this.destroyClients();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }

  private destroyClients(): void {
    for (const client of this.ownClients.splice(0)) client.destroy();
  }
}

function shortQueue(arn: string | undefined): string {
  return arn?.split('/').pop() ?? 'its queue';
}
