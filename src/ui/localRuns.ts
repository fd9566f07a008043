// The local runs of this window (Run Locally): their handles (to cancel them), their output channels
// and log files, and whether a local run's manager container is still there (the Runs view asks, since
// a local run has no Batch job to describe). When the window closes, its local runs are cancelled: a run
// never leaves containers behind.
import type Docker from 'dockerode';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { LocalRun } from '../submit/localRun';
import { LOCAL_LABELS } from '../shared/run';
import { lastFolderName, normalizeFolderUri, parseRunUri } from '../results/runUris';
import { runIdTime } from '../models/runs/runFiles';

/** A local run younger than this without a manager container is starting, not lost. */
const START_GRACE_MS = 120_000;

const key = (runUri: string) => normalizeFolderUri(runUri) ?? runUri;

interface Entry {
  run: LocalRun;
  channel: vscode.OutputChannel;
  logFile: string;
  ended: boolean;
}

/** Where a local run's merged log is kept: <workspace>/.batch-runner/logs/<runId>.log (git-ignored). */
export function localLogFile(runUri: string, runId: string): string | undefined {
  const parsed = parseRunUri(runUri);
  if (parsed.scheme !== 'file') return undefined;
  // <workspace>/.batch-runner/runs/<runId>/ → <workspace>/.batch-runner/logs/<runId>.log
  return join(parsed.path, '..', '..', 'logs', `${runId}.log`);
}

export class LocalRuns implements vscode.Disposable {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly docker: () => Docker) {}

  add(run: LocalRun, channel: vscode.OutputChannel, logFile: string): void {
    const entry: Entry = { run, channel, logFile, ended: false };
    this.entries.set(key(run.runUri), entry);
    void run.done.finally(() => (entry.ended = true));
  }

  channel(runUri: string): vscode.OutputChannel | undefined {
    return this.entries.get(key(runUri))?.channel;
  }

  /** The run's log file, if it is on disk (this window or an earlier one ran it). */
  logFile(runUri: string, runId: string): string | undefined {
    const file = this.entries.get(key(runUri))?.logFile ?? localLogFile(runUri, runId);
    return file && existsSync(file) ? file : undefined;
  }

  /** Stops a local run: its handle when this window runs it, else its containers by their labels. */
  async cancel(runUri: string, runId: string): Promise<void> {
    const entry = this.entries.get(key(runUri));
    if (entry) {
      await entry.run.cancel();
      return;
    }
    const { removeLocalRun } = await import('../bundles/aws');
    await removeLocalRun(this.docker(), runId);
  }

  /** For the Runs view: true while a manager container of the run exists, false when none does. */
  async alive(runUris: readonly string[]): Promise<Map<string, boolean>> {
    const answers = new Map<string, boolean>();
    const unknown: string[] = [];
    for (const uri of runUris) {
      const entry = this.entries.get(key(uri));
      if (entry) answers.set(uri, !entry.ended);
      else unknown.push(uri);
    }
    if (unknown.length === 0) return answers;
    try {
      const containers = await this.docker().listContainers({
        all: true,
        filters: { label: [`${LOCAL_LABELS.role}=manager`] },
      });
      const running = new Set(
        containers.filter((c) => c.State === 'running').map((c) => c.Labels?.[LOCAL_LABELS.runId]),
      );
      for (const uri of unknown) {
        const runId = lastFolderName(uri) ?? '';
        // Another window may be starting it: its manager container comes a moment after its folder.
        const young = Date.now() - (runIdTime(runId) ?? 0) < START_GRACE_MS;
        if (running.has(runId)) answers.set(uri, true);
        else if (!young) answers.set(uri, false);
      }
    } catch {
      // No engine to ask (Docker stopped): leave those runs as they are rather than call them lost.
    }
    return answers;
  }

  /** Cancels every local run still going (the window closes: no container outlives it). */
  async cancelAll(): Promise<void> {
    await Promise.all(
      [...this.entries.values()].filter((e) => !e.ended).map((e) => e.run.cancel().catch(() => undefined)),
    );
  }

  dispose(): void {
    void this.cancelAll();
  }
}
