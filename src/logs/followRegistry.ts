// The jobs whose logs are followed in this window: one output channel per job, named after it, fed
// by a JobLogSession; a second Show Logs joins the first; finished follows keep their channel (the
// last few of them). Channels, settings and the AWS side are handed in. No vscode import.
import type { BatchApi } from '../aws/batchApi';
import type { LogsApi } from '../aws/logsApi';
import type { Problem } from '../shared/awsProblem';
import { ChannelWriter, type LogChannel, type LogChannelFactory } from './channelWriter';
import { formatLines } from './format';
import { describeJob } from './jobLookup';

/** Output channels of finished follows kept; older ones are closed so the Output list stays short. */
const FINISHED_CHANNELS_KEPT = 10;

export interface JobRef {
  jobId: string;
  jobName?: string;
}

export interface FollowedJob {
  readonly jobId: string;
  readonly jobName: string;
  readonly channel: LogChannel;
  /** Resolves when following ended (the job finished and its streams drained, or Stop Following). */
  readonly done: Promise<void>;
  active: boolean;
  stop(): void;
}

/** The AWS side of one follow: Batch, and the (rate-limited) Logs API of the same clients. */
export interface FollowConnection {
  batch: BatchApi;
  logsApi(): Promise<LogsApi>;
}

export interface FollowSettings {
  liveTail: boolean;
  timestamps: boolean;
  statusIntervalMs: number;
}

export interface FollowRegistryOptions {
  connect(): Promise<FollowConnection>;
  createChannel: LogChannelFactory;
  /** Read when a follow starts. */
  settings(): FollowSettings;
  explain(error: unknown, action: string): Problem;
  log: { info(text: string): void; error(text: string): void };
  /** Whether any follow is active, after every start and end. */
  onActiveChanged?(anyActive: boolean): void;
}

type WriteListener = (jobId: string, text: string) => void;

export class FollowRegistry {
  private readonly followed = new Map<string, FollowedJob>();
  private readonly starting = new Map<string, Promise<FollowedJob>>();
  private readonly writeListeners = new Set<WriteListener>();

  constructor(private readonly options: FollowRegistryOptions) {}

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

  /** Every text appended to a followed job's channel, as it is appended. */
  onDidWrite(listener: WriteListener): { dispose(): void } {
    this.writeListeners.add(listener);
    return { dispose: () => this.writeListeners.delete(listener) };
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

  /** Stops following; the channel stays with what it has. */
  stop(jobId: string): boolean {
    const job = this.followed.get(jobId);
    if (!job?.active) return false;
    job.stop();
    return true;
  }

  /** The AWS profile, region or endpoint changed: active follows stop and say why. */
  targetChanged(): void {
    for (const job of this.followed.values()) {
      if (!job.active) continue;
      job.stop();
      job.channel.appendLine('── The AWS profile, region or endpoint changed: run Show Logs again to follow.');
    }
  }

  dispose(): void {
    for (const job of this.followed.values()) {
      job.stop();
      job.channel.dispose();
    }
    this.followed.clear();
  }

  private async startFollowing(ref: JobRef): Promise<FollowedJob> {
    const existing = this.followed.get(ref.jobId);
    if (existing?.active) {
      existing.channel.show(true);
      return existing;
    }
    const { options } = this;
    const connection = await options.connect();
    const [{ LogFollower }, { JobLogSession, summaryLine }] = await Promise.all([
      import('./follower'),
      import('./jobSession'),
    ]);
    const jobs = connection.batch;
    const detail = await describeJob(jobs, ref.jobId);
    const jobName = detail.jobName ?? ref.jobName ?? ref.jobId;
    const channel = existing?.channel ?? options.createChannel(this.channelName(jobName, ref.jobId));
    channel.clear();

    const settings = options.settings();
    const writer = new ChannelWriter(channel, (text) => {
      for (const listener of this.writeListeners) listener(ref.jobId, text);
    });
    const notice = (text: string) => writer.notice(text);
    const follower = new LogFollower({
      api: await connection.logsApi(),
      liveTail: settings.liveTail,
      onLines: (lines) => writer.write(formatLines(lines, { timestamps: settings.timestamps })),
      onNotice: notice,
      onProblem: (problem) => notice(problem ? problem.message : 'Reading the log works again.'),
    });
    const session = new JobLogSession({
      jobs,
      follower,
      jobId: ref.jobId,
      job: detail,
      onNotice: notice,
      statusIntervalMs: settings.statusIntervalMs,
    });

    const followed: FollowedJob = {
      jobId: ref.jobId,
      jobName,
      channel,
      active: true,
      done: Promise.resolve(),
      stop: () => session.stop(),
    };
    notice(`Following ${jobName} (${ref.jobId}), ${detail.status} on ${shortQueue(detail.jobQueue)}.`);
    (followed as { done: Promise<void> }).done = session
      .run()
      .then(
        (summary) => {
          writer.write(`${summaryLine(summary, follower.stats.lines)}\n`);
          const reason = follower.stats.liveTailReason;
          if (reason) options.log.info(`Live Tail unavailable while following ${jobName}: ${reason}`);
        },
        (error: unknown) => {
          const problem = options.explain(error, 'batch:DescribeJobs');
          notice(`Following stopped: ${problem.message}`);
          options.log.error(problem.detail);
        },
      )
      .finally(() => {
        writer.flush();
        followed.active = false;
        this.activeChanged();
      });
    this.followed.delete(ref.jobId);
    this.followed.set(ref.jobId, followed);
    this.pruneFinished();
    this.activeChanged();
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

  private channelName(jobName: string, jobId: string): string {
    const name = `AWS Batch: ${jobName}`;
    const taken = [...this.followed.values()].some((job) => job.channel.name === name && job.jobId !== jobId);
    return taken ? `${name} (${jobId.slice(0, 8)})` : name;
  }

  private activeChanged(): void {
    this.options.onActiveChanged?.(this.active().length > 0);
  }
}

function shortQueue(arn: string | undefined): string {
  return arn?.split('/').pop() ?? 'its queue';
}
