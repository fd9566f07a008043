// The one context object: owns the output channel, the AWS clients and every disposable.
// AWS SDK modules are loaded on first use so that activation stays cheap.
import type Docker from 'dockerode';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { BatchApi } from '../aws/batchApi';
import type { AwsClients } from '../aws/clients';
import type { AwsLogsApi } from '../aws/logsFollowApi';
import { deferredBatchApi } from '../aws/deferredBatchApi';
import type { AwsTarget } from '../aws/target';
import { FollowRegistry, type FollowConnection, type FollowSettings } from '../logs/followRegistry';
import { FullLogDocuments } from '../logs/fullLogDocuments';
import { RateLimiter } from '../logs/rateLimiter';
import { JobDefinitionsModel } from '../models/jobDefinitionsModel';
import { JobQueuesModel } from '../models/jobQueuesModel';
import { JobsTreeModel } from '../models/jobsModel';
import { RunsModel } from '../models/runs/runsModel';
import type { RunFilesApi } from '../results/runFilesApi';
import { routeRunFiles } from '../results/runFilesRouter';
import { connectEngine } from '../docker/engine';
import { describeError, type Problem } from '../shared/awsProblem';
import type { SubmittedRun } from '../submit/types';
import { WalkthroughProgress, type WalkthroughStep } from '../models/walkthroughProgress';
import { LogDocumentsView } from './logDocuments';
import { CONTEXT_KEYS, WALKTHROUGH_KEYS } from './ids';
import { JsonDocuments } from './jsonDocuments';
import { runLocations } from './runLocations';
import { RunWatches } from './runWatches';
import { LocalRuns } from './localRuns';
import { ConfigPresence } from './configPresence';
import { VisibleViews } from './visibleViews';
import { Settings } from './settings';

/** Asks before something that cannot be undone; resolves true when the user chose `action`. */
export type Confirm = (message: string, detail: string, action: string) => Promise<boolean>;

/** globalState key: the walkthrough steps whose events happened in any window. */
const WALKTHROUGH_MEMORY = 'awsBatch.walkthrough.happened';

const modalConfirm: Confirm = async (message, detail, action) =>
  (await vscode.window.showWarningMessage(message, { modal: true, detail }, action)) === action;

export class Services implements vscode.Disposable {
  readonly output: vscode.LogOutputChannel;
  /** Every awsBatch.* setting, and the one event that says which of them changed. */
  readonly settings = new Settings();
  private clients: Promise<AwsClients> | undefined;
  private resolvedTarget: AwsTarget | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly targetChanged = new vscode.EventEmitter<void>();
  /** Fires after the profile, region or endpoint setting changed; views reset and reload. */
  readonly onDidChangeAwsTarget = this.targetChanged.event;
  private readonly runSubmitted = new vscode.EventEmitter<SubmittedRun>();
  /** Fires after "Submit to Batch" submitted a manager job; the Jobs view and log following hook in here. */
  readonly onDidSubmitRun = this.runSubmitted.event;
  private dockerClient: Docker | undefined;
  private dockerClass: typeof Docker | undefined;
  private buildChannel: vscode.OutputChannel | undefined;
  /** aws-batch.json at a workspace folder's root. */
  readonly configPresence = new ConfigPresence();
  /** The AWS Batch views on screen. */
  readonly visibleViews = new VisibleViews();
  /** The Get Started walkthrough's steps, done as their events happen (src/views/walkthroughEvents.ts). */
  readonly walkthrough: WalkthroughProgress;
  /** AWS Batch for the current settings; the SDK loads on the first call. */
  readonly batch: BatchApi = deferredBatchApi(
    async () => (await this.aws()).batch,
    () => this.walkthrough.complete('credentials', 'a Batch call worked'),
  );
  readonly queues = new JobQueuesModel(this.batch, (error) => this.explain(error, 'AWS'));
  readonly jobs = new JobsTreeModel(this.batch, (error) => this.explain(error, 'AWS'));
  readonly definitions = new JobDefinitionsModel(this.batch, (error) => this.explain(error, 'AWS'));
  /** The run files API of each set of shared clients (its S3 client is theirs). */
  private readonly runFilesApis = new WeakMap<AwsClients, RunFilesApi>();
  private readonly reportedLocations = new Set<string>();
  /** The Runs view: run folders of the results prefixes joined with the manager jobs of the queues. */
  /** Run Locally's runs of this window. */
  readonly localRuns = new LocalRuns(() => this.docker());
  readonly runs = new RunsModel({
    batch: this.batch,
    files: () => this.runFiles(),
    locations: () => this.runLocations(),
    explain: (error) => this.explain(error, 'AWS'),
    localRunAlive: (uris) => this.localRuns.alive(uris),
  });
  /** The runs this window watches for their finish notice (persisted per workspace). */
  readonly runWatches: RunWatches;
  /**
   * The modal question of Cancel Run and Delete Run Data. A property, so the extension-host tests
   * answer it the way a user would (the feature itself runs unchanged).
   */
  confirm: Confirm = modalConfirm;
  /** Set by the Jobs view: reveals and selects a job (Show in Jobs View); false when it is not listed. */
  revealJob: (queue: string, jobId: string) => Promise<boolean> = async () => false;

  /** Read-only JSON documents opened by the Describe actions. */
  readonly documents = new JsonDocuments();

  /** The one limiter that every GetLogEvents call of the extension goes through. */
  readonly logsRateLimiter = new RateLimiter({ ratePerSecond: this.settings.logs.maxRequestsPerSecond });
  /** The retry-less Logs APIs made for the followers and full logs, one per set of shared clients. */
  private readonly logsApis = new WeakMap<AwsClients, AwsLogsApi>();
  /** Their Logs clients, destroyed with the shared clients. */
  private logsClients: { destroy(): void }[] = [];

  /** Followed job logs, each in its own output channel. */
  readonly logs: FollowRegistry;
  /** The read-only documents of Open Full Log. */
  readonly logDocuments: LogDocumentsView;

  constructor(readonly context: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel('AWS Batch', { log: true });
    this.walkthrough = new WalkthroughProgress(
      WALKTHROUGH_KEYS,
      (key, value) => {
        if (value) this.output.debug(`walkthrough: ${key}`);
        return vscode.commands.executeCommand('setContext', key, value);
      },
      {
        steps: context.globalState.get<WalkthroughStep[]>(WALKTHROUGH_MEMORY) ?? [],
        remember: (steps) => context.globalState.update(WALKTHROUGH_MEMORY, steps),
      },
    );
    const connect = () => this.logsConnection();
    this.logs = new FollowRegistry({
      connect,
      createChannel: (name) => vscode.window.createOutputChannel(name, 'log'),
      settings: () => this.followSettings(),
      explain: (error, action) => this.explain(error, action),
      log: this.output,
      onActiveChanged: (anyActive) =>
        void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.following, anyActive),
    });
    this.logDocuments = new LogDocumentsView(new FullLogDocuments(connect));
    this.runWatches = new RunWatches(this.runs, context.workspaceState);
    this.disposables.push(
      this.output,
      this.configPresence,
      this.visibleViews,
      this.settings,
      this.runWatches,
      this.localRuns,
      this.documents,
      this.logDocuments,
      {
        dispose: () => {
          this.logs.dispose();
          this.destroyLogsClients();
        },
      },
      this.settings.onDidChange((change) => {
        if (change.affects('logs.maxRequestsPerSecond'))
          this.logsRateLimiter.setRate(this.settings.logs.maxRequestsPerSecond);
      }),
      // Step 3 of the story: the submitted manager job's log starts streaming at once.
      this.onDidSubmitRun((run) => {
        if (!this.settings.logs.followAfterSubmit) return;
        this.logs
          .follow({ jobId: run.jobId, jobName: run.jobName })
          .catch((error: unknown) =>
            this.output.error(`Show Logs after Submit: ${this.explain(error, 'batch:DescribeJobs').detail}`),
          );
      }),
      // A submitted (or re-run) run shows in the Runs view at once, watched for its finish notice.
      this.onDidSubmitRun((run) => {
        this.runs.addSubmitted(run);
        void this.runWatches.watch(run.runUri);
      }),
      this.onDidChangeAwsTarget(() => {
        this.logs.targetChanged();
        this.destroyLogsClients();
      }),
      this.targetChanged,
      this.runSubmitted,
      this.settings.onDidChange((change) => {
        if (change.has('target')) this.resetClients();
      }),
    );
  }

  /** The clients for the current settings, created once and shared by every feature. */
  aws(): Promise<AwsClients> {
    if (!this.clients) {
      const settings = this.settings.aws;
      const clients = import('../bundles/aws').then(async ({ createAwsClients }) => {
        const created = await createAwsClients(settings, process.env, {
          mfaCodeProvider: (serial) => askMfaCode(serial),
        });
        this.resolvedTarget = created.target;
        this.output.info(`Using AWS ${describe(created.target)}`);
        return created;
      });
      // A failed resolution (bad region, unknown profile) is retried on the next call.
      clients.catch(() => {
        if (this.clients === clients) this.clients = undefined;
      });
      this.clients = clients;
    }
    return this.clients;
  }

  /** Batch and the followers' Logs API, of the current clients. */
  private async logsConnection(): Promise<FollowConnection> {
    const clients = await this.aws();
    return { batch: clients.batch, logsApi: () => this.logsApi(clients) };
  }

  private async logsApi(clients: AwsClients): Promise<AwsLogsApi> {
    let api = this.logsApis.get(clients);
    if (!api) {
      const { AwsLogsApi, createFollowerLogsClient } = await import('../bundles/aws');
      const client = createFollowerLogsClient(clients.logs, clients.target);
      this.logsClients.push(client);
      api = new AwsLogsApi(client, this.logsRateLimiter);
      this.logsApis.set(clients, api);
    }
    return api;
  }

  /** The results prefixes the Runs view lists: the workspace's aws-batch.json files, then the setting. */
  runLocations(): Promise<string[]> {
    return runLocations({
      configured: () => this.settings.runsResultsLocations,
      invalid: (entry, message) => {
        if (this.reportedLocations.has(entry)) return;
        this.reportedLocations.add(entry);
        this.output.warn(`awsBatch.runs.resultsLocations: ${message}`);
      },
    });
  }

  /**
   * Run files by URI: file:// (local runs) on disk, s3:// over the current shared clients — the SDK
   * is loaded only for an s3:// URI, so local runs need no AWS account.
   */
  readonly runFilesRouter: RunFilesApi = routeRunFiles(() => this.s3RunFiles());

  async runFiles(): Promise<RunFilesApi> {
    return this.runFilesRouter;
  }

  private async s3RunFiles(): Promise<RunFilesApi> {
    const clients = await this.aws();
    let api = this.runFilesApis.get(clients);
    if (!api) {
      const { createRunFilesApi } = await import('../bundles/aws');
      api = createRunFilesApi(clients.s3);
      this.runFilesApis.set(clients, api);
    }
    return api;
  }

  private destroyLogsClients(): void {
    for (const client of this.logsClients.splice(0)) client.destroy();
  }

  private followSettings(): FollowSettings {
    const { liveTail, timestamps } = this.settings.logs;
    return { liveTail, timestamps, statusIntervalMs: Math.min(5000, this.settings.pollIntervalMs) };
  }

  /**
   * The Docker engine client, found as the docker CLI finds it (src/docker/discovery.ts). dockerode is bundled on its own
   * (dist/dockerode.js, see scripts/build.mjs) and loaded on first use, so activation does not pay for it.
   */
  docker(): Docker {
    if (!this.dockerClass) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Docker: DockerClass } = require(join(this.context.extensionPath, 'dist', 'dockerode.js')) as {
        Docker: typeof Docker;
      };
      this.dockerClass = DockerClass;
    }
    // The engine the docker CLI would use (DOCKER_HOST, DOCKER_CONTEXT, the current context, the
    // default sockets), looked up again each time so "docker context use" takes effect at once.
    this.dockerClient = connectEngine(
      this.dockerClass,
      { hostSetting: vscode.workspace.getConfiguration('awsBatch').get<string>('docker.host') },
      this.dockerClient,
    );
    return this.dockerClient;
  }

  /** "AWS Batch: Build": the output of docker build and push, created on first use. */
  buildOutput(): vscode.OutputChannel {
    if (!this.buildChannel) {
      this.buildChannel = vscode.window.createOutputChannel('AWS Batch: Build');
      this.disposables.push(this.buildChannel);
    }
    return this.buildChannel;
  }

  notifyRunSubmitted(run: SubmittedRun): void {
    this.runSubmitted.fire(run);
  }

  /** The profile setting, for messages before any client was made. */
  configuredProfile(): string | undefined {
    return this.settings.profile;
  }

  get target(): AwsTarget | undefined {
    return this.resolvedTarget;
  }

  /** Any error in words, for the current account and region; `action` names what was attempted. */
  explain(error: unknown, action: string): Problem {
    return describeError(error, action, this.resolvedTarget);
  }

  private resetClients(): void {
    const old = this.clients;
    this.clients = undefined;
    this.resolvedTarget = undefined;
    old?.then((clients) => clients.destroy()).catch(() => undefined);
    this.targetChanged.fire();
  }

  dispose(): void {
    this.clients?.then((clients) => clients.destroy()).catch(() => undefined);
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}

function describe(target: AwsTarget): string {
  const endpoint = target.endpoint ? `, endpoint ${target.endpoint}` : '';
  return `profile ${target.profile ?? '(default chain)'}, region ${target.region}${endpoint}`;
}

/** The code of a role profile's MFA device (mfa_serial), asked for when the role is first assumed. */
export async function askMfaCode(serial: string): Promise<string> {
  const code = await vscode.window.showInputBox({
    title: 'AWS Batch: MFA code',
    prompt: `Your AWS profile assumes a role that needs a code from the MFA device ${serial}.`,
    placeHolder: '6-digit code',
    password: false,
    ignoreFocusOut: true,
    validateInput: (value) => (/^\d{6}$/.test(value.trim()) ? undefined : 'Enter the 6 digits the device shows.'),
  });
  if (!code)
    throw new Error('MFA code not entered: the role of this profile needs a multi-factor authentication code.');
  return code.trim();
}
