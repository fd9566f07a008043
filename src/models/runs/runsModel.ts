// State of the Runs view: every run of the results prefixes the user works with and of the manager
// jobs Batch still knows, newest first. Finished runs are read once (summary.json) and kept; only
// active runs are polled, with conditional GETs of progress.json and one DescribeJobs for all their
// managers. Manager jobs are searched for new runs at a slower pace. No vscode import.
import type { JobDetail, JobSummary } from '@aws-sdk/client-batch';
import type { BatchApi } from '../../aws/batchApi';
import type { RunFilesApi } from '../../results/runFilesApi';
import { isLocalRunUri, lastFolderName, normalizeFolderUri } from '../../results/runUris';
import type { Problem } from '../../shared/awsProblem';
import { isArrayChild, runInfo } from '../../shared/run';
import { reconcile, type TreeNode } from '../reconcile';
import { parseProgress, parseSpec, parseSummary, runIdTime, type SpecView } from './runFiles';
import { buildRunChildren, type RunChildNode, type RunNode, type RunsMoreNode, type RunsViewNode } from './runNodes';
import { ACTIVE_STATES, runStatus, type ManagerJobFacts, type RunFacts, type RunStatus } from './runStatus';

export type RunsBatchApi = Pick<BatchApi, 'describeJobQueues' | 'listJobs' | 'describeJobs'>;

/** Manager jobs are searched for new runs this often (runs submitted elsewhere, other buckets). */
export const JOB_DISCOVERY_MS = 60_000;
/** How far back the manager job search looks; Batch forgets jobs after about a week. */
export const JOB_HISTORY_MS = 14 * 24 * 3600_000;
const READ_CONCURRENCY = 16;
/**
 * Runs shown (and read) at first, newest first; "Show More" adds as many again. Active runs, runs Batch
 * still knows and watched runs are always shown. A results prefix of years holds thousands of runs: reading
 * every summary.json at start would cost a GET each for rows nobody scrolls to.
 */
export const RUNS_PAGE = 100;
/** A run id: what newRunId makes (src/config/runSpec.ts), and what a folder must look like to be listed. */
const RUN_FOLDER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface RunsModelOptions {
  batch: RunsBatchApi;
  /** S3 for run files; loaded with the SDK on first use. */
  files: () => Promise<RunFilesApi>;
  /** The results prefixes to list: aws-batch.json's and the awsBatch.runs.resultsLocations setting's. */
  /** Folder URIs (s3://bucket/prefix/, file:///…/.batch-runner/runs/), each holding run folders. */
  locations: () => Promise<string[]>;
  /**
   * Whether local runs (file:// URIs) still have their manager container; undefined for runs it does
   * not know. Local runs have no Batch jobs: this is how one that died shows as lost.
   */
  localRunAlive?: (runUris: readonly string[]) => Promise<Map<string, boolean>>;
  explain: (error: unknown) => Problem;
  now?: () => number;
  jobDiscoveryMs?: number;
  /** summary.json of ended runs kept across sessions (it never changes once written). */
  summaryCache?: SummaryCache;
}

/** Where ended runs' summary.json texts are kept between sessions (the extension: a file in global storage). */
export interface SummaryCache {
  get(runUri: string): string | undefined;
  set(runUri: string, text: string): void;
  delete(runUri: string): void;
}

/** Calls and bytes of the last refresh (the runs benchmark reads them). */
export interface RefreshCost {
  s3Calls: number;
  batchCalls: number;
  bytes: number;
}

interface Record extends RunFacts {
  progressEtag?: string;
  /** summary.json was looked for (finished runs are never read again). */
  summaryChecked: boolean;
  managerDetail?: JobDetail;
  workerDetail?: JobDetail;
  /** run.json was looked for and is not there. */
  specMissing?: boolean;
  /** The jobs of an expanded run were described and listed (once is enough after it ended). */
  jobsLoaded?: boolean;
}

export class RunsModel {
  private readonly records = new Map<string, Record>();
  private readonly statuses = new Map<string, RunStatus>();
  private readonly watched = new Set<string>();
  private readonly expanded = new Set<string>();
  private readonly workerChildren = new Map<string, JobSummary[]>();
  /** Job ids described once and found not to be run managers. */
  private readonly notManagers = new Set<string>();
  /** Runs whose data was deleted in this session. */
  private readonly forgotten = new Set<string>();
  private rootNodes: (RunNode | RunsMoreNode)[] = [];
  private lastDiscovery = -Infinity;
  private limit = RUNS_PAGE;
  /** Run folders listed but not shown (beyond the limit). */
  hiddenCount = 0;
  private inFlight: Promise<void> | undefined;
  private generation = 0;
  private cost: RefreshCost = { s3Calls: 0, batchCalls: 0, bytes: 0 };
  lastRefreshCost: RefreshCost = { s3Calls: 0, batchCalls: 0, bytes: 0 };
  problem: Problem | undefined;
  loaded = false;

  private readonly changeListeners = new Set<(changed: readonly RunsViewNode[] | undefined) => void>();
  private readonly problemListeners = new Set<() => void>();
  private readonly finishListeners = new Set<(run: RunStatus) => void>();
  private readonly now: () => number;

  constructor(private readonly options: RunsModelOptions) {
    this.now = options.now ?? Date.now;
  }

  onDidChange(listener: (changed: readonly RunsViewNode[] | undefined) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onDidChangeProblem(listener: () => void): () => void {
    this.problemListeners.add(listener);
    return () => this.problemListeners.delete(listener);
  }

  /** A watched run (submitted from this window, or pinned) went from starting/running to an end. */
  onDidFinish(listener: (run: RunStatus) => void): () => void {
    this.finishListeners.add(listener);
    return () => this.finishListeners.delete(listener);
  }

  /** The runs shown, newest first. */
  runs(): readonly RunStatus[] {
    return this.rootNodes.flatMap((node) => (node.kind === 'run' ? [node.status] : []));
  }

  /** Shows (and reads) the next page of older runs. */
  showMore(): Promise<void> {
    this.limit += RUNS_PAGE;
    return this.refresh();
  }

  get(runUri: string): RunStatus | undefined {
    return this.statuses.get(runUri);
  }

  /** The run's spec, read on demand (Re-run Failed Tasks, Open run.json). */
  async spec(runUri: string): Promise<SpecView | undefined> {
    const record = this.records.get(runUri);
    if (!record) return undefined;
    if (!record.spec) await this.readSpec(await this.options.files(), record);
    return record.spec?.ok ? record.spec.value : undefined;
  }

  roots(): readonly (RunNode | RunsMoreNode)[] {
    return this.rootNodes;
  }

  /** A run's children as known now; the first call for a run starts loading its jobs (see expand). */
  children(node?: RunsViewNode): readonly RunsViewNode[] {
    if (!node) return this.rootNodes;
    if (node.kind === 'run' && !this.expanded.has(node.runUri)) void this.expand(node);
    return 'children' in node && node.children ? (node.children as RunsViewNode[]) : [];
  }

  /** Shows a run's children: what is known at once, then its run.json and worker jobs once loaded. */
  async expand(node: RunNode): Promise<void> {
    this.expanded.add(node.runUri);
    node.children = this.childrenOf(node.runUri);
    await this.loadExpanded(node.runUri);
  }

  collapse(node: RunsViewNode): void {
    if (node.kind === 'run') this.expanded.delete(node.runUri);
  }

  hasActive(): boolean {
    for (const status of this.statuses.values()) if (ACTIVE_STATES.has(status.state)) return true;
    return false;
  }

  watch(runUri: string): void {
    this.watched.add(runUri);
  }

  unwatch(runUri: string): void {
    this.watched.delete(runUri);
  }

  isWatched(runUri: string): boolean {
    return this.watched.has(runUri);
  }

  /** A run Submit (or Re-run) just started: shown and watched at once, before S3 or Batch list it. */
  addSubmitted(run: { runUri: string; runId: string; jobId: string; jobName: string; queue: string }): void {
    const record = this.recordFor(run.runUri);
    if (!record) return;
    record.justStarted = true;
    record.managerJob ??= {
      jobId: run.jobId,
      jobName: run.jobName,
      queue: run.queue,
      status: 'SUBMITTED',
      statusReason: undefined,
      exitCode: undefined,
      startedAt: undefined,
      stoppedAt: undefined,
      vcpus: undefined,
      gpus: undefined,
    };
    this.watch(run.runUri);
    this.rebuild();
  }

  /** A run just started on this machine (Run Locally): shown and watched at once, as starting. */
  addLocalRun(runUri: string): void {
    const record = this.recordFor(runUri);
    if (!record) return;
    record.justStarted = true;
    this.watch(normalizeFolderUri(runUri) ?? runUri);
    this.rebuild();
  }

  /** The run's folder was deleted: it leaves the view. */
  forget(runUri: string): void {
    // Its manager job may still be in Batch for a week: the job search must not bring it back.
    this.forgotten.add(runUri);
    this.options.summaryCache?.delete(runUri);
    this.records.delete(runUri);
    this.statuses.delete(runUri);
    this.watched.delete(runUri);
    this.rebuild();
  }

  /** Reads a run's files again on the next refresh (after Cancel Run). */
  invalidate(runUri: string): void {
    const record = this.records.get(runUri);
    if (!record) return;
    record.summaryChecked = false;
    record.summary = undefined;
    this.options.summaryCache?.delete(runUri);
  }

  /** One refresh at a time; a call during one waits for it. `discover`: search manager jobs now. */
  refresh(discover = false): Promise<void> {
    if (discover) this.lastDiscovery = -Infinity;
    this.inFlight ??= this.load().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** Another account or region: forget everything. */
  reset(): void {
    this.generation++;
    this.records.clear();
    this.statuses.clear();
    this.workerChildren.clear();
    this.notManagers.clear();
    this.lastDiscovery = -Infinity;
    this.rootNodes = [];
    this.loaded = false;
    this.setProblem(undefined);
    this.emit(undefined);
  }

  private async load(): Promise<void> {
    const generation = this.generation;
    this.cost = { s3Calls: 0, batchCalls: 0, bytes: 0 };
    const problems: string[] = [];
    let firstError: unknown;
    const note = (error: unknown) => {
      const problem = this.options.explain(error);
      if (!problems.includes(problem.message)) problems.push(problem.message);
      firstError ??= error;
    };
    try {
      const files = await this.options.files();
      const locations = await this.options.locations();
      await this.listFolders(files, locations, note);
      if (this.now() - this.lastDiscovery >= (this.options.jobDiscoveryMs ?? JOB_DISCOVERY_MS)) {
        await this.discoverFromJobs().catch((error: unknown) => {
          // Someone who only runs locally has no AWS account: that is no problem of the Runs view.
          const onlyLocal = !locations.some((uri) => !isLocalRunUri(uri));
          if (!(onlyLocal && this.options.explain(error).kind === 'noCredentials')) note(error);
        });
      }
      await this.readFiles(files);
      await this.describeManagers().catch(note);
      await this.checkLocalRuns().catch(note);
      await this.recheckEnded(files);
      await this.loadExpandedWorkers().catch(note);
    } catch (error) {
      note(error);
    }
    if (generation !== this.generation) return;
    this.lastRefreshCost = this.cost;
    this.loaded = true;
    this.rebuild();
    this.setProblem(
      problems.length === 0 ? undefined : { ...this.options.explain(firstError), message: problems.join(' ') },
    );
  }

  private recordFor(runUri: string): Record | undefined {
    const folder = normalizeFolderUri(runUri);
    const runId = folder ? lastFolderName(folder) : undefined;
    if (!folder || !runId || !RUN_FOLDER.test(runId)) return undefined;
    const existing = this.records.get(folder);
    if (existing) return existing;
    if (this.forgotten.has(folder)) return undefined;
    const record: Record = { runId, runUri: folder, summaryChecked: false };
    this.records.set(record.runUri, record);
    return record;
  }

  private async listFolders(
    files: RunFilesApi,
    locations: readonly string[],
    note: (error: unknown) => void,
  ): Promise<void> {
    await Promise.all(
      locations.map(async (location) => {
        try {
          this.cost.s3Calls++;
          const base = location.endsWith('/') ? location : `${location}/`;
          const names = await files.listFolders(base);
          for (const name of names) {
            if (RUN_FOLDER.test(name)) this.recordFor(`${base}${name}/`);
          }
        } catch (error) {
          note(error);
        }
      }),
    );
  }

  /** Manager jobs of the queues, created in the last two weeks, that are not known runs yet. */
  private async discoverFromJobs(): Promise<void> {
    this.lastDiscovery = this.now();
    const { batch } = this.options;
    this.cost.batchCalls++;
    const queues = await batch.describeJobQueues();
    const known = new Map<string, Record>();
    for (const record of this.records.values()) if (record.managerJob) known.set(record.managerJob.jobId, record);
    const candidates: string[] = [];
    await Promise.all(
      queues.map(async (queue) => {
        if (!queue.jobQueueName) return;
        this.cost.batchCalls++;
        const jobs = await batch.listJobs({ jobQueue: queue.jobQueueName, createdAfter: this.now() - JOB_HISTORY_MS });
        for (const job of jobs) {
          if (!job.jobId || isArrayChild(job)) continue;
          const record = known.get(job.jobId);
          if (record?.managerJob) record.managerJob = { ...record.managerJob, ...summaryFacts(job) };
          // Submit names the manager job after the run id, which carries the time.
          else if (!this.notManagers.has(job.jobId) && runIdTime(job.jobName ?? '') !== undefined)
            candidates.push(job.jobId);
        }
      }),
    );
    if (candidates.length === 0) return;
    this.cost.batchCalls += Math.ceil(candidates.length / 100);
    const details = await batch.describeJobs(candidates);
    for (const detail of details) {
      const info = runInfo(detail);
      const record = info.role === 'manager' && info.runUri ? this.recordFor(info.runUri) : undefined;
      if (!record) {
        this.notManagers.add(detail.jobId!);
        continue;
      }
      record.managerDetail = detail;
      record.managerJob = detailFacts(detail);
    }
  }

  /** New folders: summary.json first (a finished run needs nothing else); active runs: progress.json. */
  private async readFiles(files: RunFilesApi): Promise<void> {
    const work: (() => Promise<void>)[] = [];
    for (const record of this.shown().shown) {
      if (!record.summaryChecked) work.push(() => this.readNew(files, record));
      else if (!record.summary && this.isActive(record)) work.push(() => this.poll(files, record));
    }
    await runLimited(work, READ_CONCURRENCY);
  }

  private isActive(record: Record): boolean {
    const status = this.statuses.get(record.runUri) ?? runStatus(record, this.now());
    return ACTIVE_STATES.has(status.state);
  }

  private async readNew(files: RunFilesApi, record: Record): Promise<void> {
    const cached = this.options.summaryCache?.get(record.runUri);
    if (cached !== undefined) {
      record.summaryChecked = true;
      record.summary = parseSummary(cached, record.runId);
      return;
    }
    const summary = await this.read(files, record, 'summary.json');
    if (summary === 'failed') return;
    record.summaryChecked = true;
    if (summary.kind === 'found') this.setSummary(record, summary.text);
    if (record.summary) return;
    await Promise.all([this.poll(files, record, false), record.spec ? undefined : this.readSpec(files, record)]);
  }

  /**
   * progress.json if it changed; summary.json once the run says it ended. `readSpec`: also run.json
   * while there is no progress.json (false when the caller reads it beside this already).
   */
  private async poll(files: RunFilesApi, record: Record, readSpec = true): Promise<void> {
    const progress = await this.read(files, record, 'progress.json', record.progressEtag);
    if (progress === 'failed') return;
    if (progress.kind === 'found') {
      const parsed = parseProgress(progress.text, record.runId);
      const before = record.progress?.ok ? record.progress.value.seq : undefined;
      // seq only grows: an older copy (a stale cache, a read that raced a write) does not undo a newer one.
      if (parsed.ok && before !== undefined && parsed.value.seq !== undefined && parsed.value.seq < before) return;
      record.progressEtag = progress.etag;
      record.progress = parsed;
      record.progressMissing = false;
    } else if (progress.kind === 'missing') {
      record.progressMissing = true;
      record.progressEtag = undefined;
    }
    if (record.progress?.ok && record.progress.value.state !== 'running') await this.readSummary(files, record);
    if (readSpec && !record.spec && record.progressMissing) await this.readSpec(files, record);
  }

  private async readSummary(files: RunFilesApi, record: Record): Promise<void> {
    const summary = await this.read(files, record, 'summary.json');
    if (summary !== 'failed' && summary.kind === 'found') this.setSummary(record, summary.text);
  }

  private setSummary(record: Record, text: string): void {
    record.summary = parseSummary(text, record.runId);
    // Only a good summary is kept: a damaged one may be rewritten.
    if (record.summary.ok) this.options.summaryCache?.set(record.runUri, text);
  }

  private async readSpec(files: RunFilesApi, record: Record): Promise<void> {
    const spec = await this.read(files, record, 'run.json');
    if (spec === 'failed') return;
    record.spec = spec.kind === 'found' ? parseSpec(spec.text, record.runId) : undefined;
    record.specMissing = spec.kind === 'missing';
  }

  /** One file of the run; a failure becomes the run's read problem, not the view's. */
  private async read(files: RunFilesApi, record: Record, name: string, etag?: string) {
    this.cost.s3Calls++;
    try {
      const result = await files.read(`${record.runUri}${name}`, etag);
      if (result.kind === 'found') this.cost.bytes += Buffer.byteLength(result.text);
      record.readProblem = undefined;
      return result;
    } catch (error) {
      record.readProblem = `${name} could not be read: ${this.options.explain(error).message}`;
      return 'failed' as const;
    }
  }

  /** One DescribeJobs (per 100) for the managers of every active run, and for expanded runs' worker jobs. */
  private async describeManagers(): Promise<void> {
    const managers = new Map<string, Record>();
    const workers = new Map<string, Record>();
    for (const record of this.records.values()) {
      if (record.summary || !this.isActive(record) || isLocalRunUri(record.runUri)) continue;
      const id = record.managerJob?.jobId ?? (record.progress?.ok ? record.progress.value.managerJobId : undefined);
      if (id) managers.set(id, record);
      const workerId = record.progress?.ok ? record.progress.value.workerJobId : undefined;
      if (workerId && this.expanded.has(record.runUri)) workers.set(workerId, record);
    }
    const ids = [...managers.keys(), ...workers.keys()];
    if (ids.length === 0) return;
    this.cost.batchCalls += Math.ceil(ids.length / 100);
    const details = new Map((await this.options.batch.describeJobs(ids)).map((job) => [job.jobId, job]));
    for (const [id, record] of managers) {
      const detail = details.get(id);
      if (detail) {
        record.managerDetail = detail;
        record.managerJob = detailFacts(detail, record.managerJob);
        record.managerJobGone = false;
      } else {
        record.managerJobGone = true;
        record.managerJob = undefined;
      }
    }
    for (const [id, record] of workers) record.workerDetail = details.get(id) ?? record.workerDetail;
  }

  /** Active local runs: is their manager container still there? */
  private async checkLocalRuns(): Promise<void> {
    const alive = this.options.localRunAlive;
    const local = [...this.records.values()].filter(
      (record) => isLocalRunUri(record.runUri) && !record.summary && this.isActive(record),
    );
    if (!alive || local.length === 0) return;
    const answers = await alive(local.map((record) => record.runUri));
    for (const record of local) {
      const answer = answers.get(record.runUri);
      if (answer === false && !record.localGone) {
        // It may have written summary.json on its way out.
        await this.readSummary(await this.options.files(), record);
        record.localGone = !record.summary;
      } else if (answer === true) record.localGone = false;
    }
  }

  /** A manager job that ended: summary.json may have landed since the last read, so look once more. */
  private async recheckEnded(files: RunFilesApi): Promise<void> {
    const work: (() => Promise<void>)[] = [];
    for (const record of this.records.values()) {
      const ended = record.managerJob?.status === 'SUCCEEDED' || record.managerJob?.status === 'FAILED';
      if (!record.summary && record.summaryChecked && (ended || record.managerJobGone))
        work.push(() => this.readSummary(files, record));
    }
    await runLimited(work, READ_CONCURRENCY);
  }

  private async loadExpanded(runUri: string): Promise<void> {
    const generation = this.generation;
    const record = this.records.get(runUri);
    if (!record) return;
    try {
      if (!record.spec) await this.readSpec(await this.options.files(), record);
      await this.loadWorkers(record);
    } catch (error) {
      record.readProblem ??= this.options.explain(error).message;
    }
    if (generation === this.generation) this.rebuild();
  }

  private async loadExpandedWorkers(): Promise<void> {
    for (const runUri of this.expanded) {
      const record = this.records.get(runUri);
      // An ended run's jobs no longer change: loaded once.
      if (record && (this.isActive(record) || !record.jobsLoaded)) await this.loadWorkers(record);
    }
  }

  /** The jobs of an expanded run: its manager and worker jobs described (one call), the array's children listed. */
  private async loadWorkers(record: Record): Promise<void> {
    if (isLocalRunUri(record.runUri)) return;
    const workerId = workerJobIdOf(record);
    const managerId = record.managerDetail ? undefined : (record.managerJob?.jobId ?? managerJobIdOf(record));
    const ids = [managerId, record.workerDetail ? undefined : workerId].filter((id): id is string => Boolean(id));
    if (ids.length) {
      this.cost.batchCalls++;
      const details = await this.options.batch.describeJobs(ids);
      for (const detail of details) {
        if (detail.jobId === workerId) record.workerDetail = detail;
        else if (detail.jobId === managerId) {
          record.managerDetail = detail;
          record.managerJob = detailFacts(detail, record.managerJob);
        }
      }
    }
    if (workerId && (record.workerDetail?.arrayProperties?.size ?? 0) > 1) {
      this.cost.batchCalls++;
      this.workerChildren.set(workerId, await this.options.batch.listJobs({ arrayJobId: workerId }));
    }
    record.jobsLoaded = true;
  }

  private childrenOf(runUri: string): RunChildNode[] {
    const record = this.records.get(runUri);
    const status = this.statuses.get(runUri);
    if (!record || !status) return [];
    const workerId = workerJobIdOf(record);
    return buildRunChildren({
      status,
      spec: record.spec?.ok ? record.spec.value : undefined,
      manager: record.managerDetail ?? record.managerJob,
      workers: record.workerDetail,
      workerChildren: workerId ? this.workerChildren.get(workerId) : undefined,
      queue: record.managerJob?.queue ?? record.managerDetail?.jobQueue ?? '',
    });
  }

  /** The records shown: the newest `limit`, plus every active, Batch-known or watched run. */
  private shown(): { shown: Record[]; hidden: number } {
    const sorted = [...this.records.values()].sort(
      (a, b) => (runIdTime(b.runId) ?? 0) - (runIdTime(a.runId) ?? 0) || b.runId.localeCompare(a.runId),
    );
    const shown: Record[] = [];
    let hidden = 0;
    for (const record of sorted) {
      if (folderDeleted(record)) continue;
      const status = this.statuses.get(record.runUri);
      const keep =
        shown.length < this.limit ||
        record.managerJob !== undefined ||
        this.watched.has(record.runUri) ||
        (status !== undefined && ACTIVE_STATES.has(status.state));
      if (keep) shown.push(record);
      else hidden++;
    }
    return { shown, hidden };
  }

  private rebuild(): void {
    const now = this.now();
    const runs: RunNode[] = [];
    const { shown, hidden } = this.shown();
    this.hiddenCount = hidden;
    for (const record of shown) {
      const status = runStatus(record, now);
      const previous = this.statuses.get(record.runUri);
      this.statuses.set(record.runUri, status);
      if (previous && ACTIVE_STATES.has(previous.state) && !ACTIVE_STATES.has(status.state)) {
        // Its job rows were described while it ran: describe them once more, now that they have ended.
        record.jobsLoaded = false;
        record.managerDetail = undefined;
        record.workerDetail = undefined;
        if (this.watched.has(record.runUri)) for (const listener of this.finishListeners) listener(status);
      }
      const node: RunNode = {
        kind: 'run',
        id: `run|${record.runUri}`,
        runUri: record.runUri,
        runId: record.runId,
        status,
      };
      if (this.expanded.has(record.runUri)) node.children = this.childrenOf(record.runUri);
      runs.push(node);
    }
    runs.sort((a, b) => (b.status.createdAt ?? 0) - (a.status.createdAt ?? 0) || b.runId.localeCompare(a.runId));
    const next: (RunNode | RunsMoreNode)[] = runs;
    if (hidden > 0) next.push({ kind: 'runsMore', id: 'runs|more', hidden });
    const changed: TreeNode[] = [];
    const { nodes, listChanged } = reconcile(this.rootNodes, next, changed);
    this.rootNodes = nodes;
    if (listChanged) this.emit(undefined);
    else if (changed.length) this.emit(changed as RunsViewNode[]);
  }

  private setProblem(problem: Problem | undefined): void {
    if (problem?.message === this.problem?.message) return;
    this.problem = problem;
    for (const listener of this.problemListeners) listener();
  }

  private emit(changed: readonly RunsViewNode[] | undefined): void {
    for (const listener of this.changeListeners) listener(changed);
  }
}

function workerJobIdOf(record: Record): string | undefined {
  if (record.progress?.ok && record.progress.value.workerJobId) return record.progress.value.workerJobId;
  return record.summary?.ok ? record.summary.value.workerJobId : undefined;
}

/**
 * A run known only from its ended manager job whose folder has no file left (Delete Run Data, or
 * removed by hand): nothing to show, nothing to do.
 */
function folderDeleted(record: Record): boolean {
  const ended = record.managerJob?.status === 'SUCCEEDED' || record.managerJob?.status === 'FAILED';
  return (
    (ended || record.managerJobGone === true) &&
    record.summaryChecked &&
    !record.summary &&
    record.progressMissing === true &&
    record.specMissing === true
  );
}

function managerJobIdOf(record: Record): string | undefined {
  if (record.progress?.ok && record.progress.value.managerJobId) return record.progress.value.managerJobId;
  return record.summary?.ok ? record.summary.value.managerJobId : undefined;
}

function summaryFacts(job: JobSummary): Partial<ManagerJobFacts> {
  return {
    status: job.status ?? 'SUBMITTED',
    statusReason: job.statusReason,
    exitCode: job.container?.exitCode,
    startedAt: job.startedAt || undefined,
    stoppedAt: job.stoppedAt || undefined,
  };
}

function detailFacts(detail: JobDetail, before?: ManagerJobFacts): ManagerJobFacts {
  const requirements = detail.container?.resourceRequirements ?? [];
  const resource = (type: string) => {
    const value = requirements.find((r) => r.type === type)?.value;
    return value === undefined ? undefined : Number(value);
  };
  return {
    jobId: detail.jobId ?? before?.jobId ?? '',
    jobName: detail.jobName ?? before?.jobName ?? '',
    queue: detail.jobQueue ?? before?.queue ?? '',
    status: detail.status ?? before?.status ?? 'SUBMITTED',
    statusReason: detail.statusReason,
    // moto leaves exitCode out of DescribeJobs; ListJobs (job discovery) may have given it.
    exitCode: detail.container?.exitCode ?? before?.exitCode,
    startedAt: detail.startedAt || undefined,
    stoppedAt: detail.stoppedAt || undefined,
    vcpus: resource('VCPU') ?? detail.container?.vcpus,
    gpus: resource('GPU') ?? 0,
  };
}

/** Runs the thunks with at most `limit` at a time. */
async function runLimited(work: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < work.length) await work[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(limit, work.length) }, lane));
}
