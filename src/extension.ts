// Wiring only: one Services object, the views, the command table.
import * as vscode from 'vscode';
import { commands } from './commands';
import { JSON_SCHEME } from './ui/jsonDocuments';
import { wrapCommand } from './commands/runCommand';
import { Services } from './ui/services';
import type { JobDefinitionsProvider } from './views/jobDefinitionsProvider';
import type { JobQueuesProvider } from './views/jobQueuesProvider';
import type { JobsViewNode } from './models/jobsModel';
import type { JobsProvider } from './views/jobsProvider';
import type { RunsViewNode } from './models/runs/runNodes';
import type { RunNotices } from './views/runNotices';
import { registerRunNotices } from './views/runNotices';
import type { RunsProvider } from './views/runsProvider';
import { registerRunsStatusBar } from './views/runsStatusBar';
import { registerRunsView } from './views/registerRunsView';
import { registerDefinitionsView } from './views/registerDefinitionsView';
import { registerJobsView } from './views/registerJobsView';
import { registerQueuesView } from './views/registerQueuesView';
import { registerStatusBar, type TargetStatusBar } from './views/statusBar';
import { registerWalkthroughEvents } from './views/walkthroughEvents';

/** What activate() returns; the extension-host tests and the activation benchmark use it. */
export interface ExtensionApi {
  readonly services: Services;
  readonly runsProvider: RunsProvider;
  /** The Runs tree view (reveal, selection). */
  readonly runsView: vscode.TreeView<RunsViewNode>;
  /** Fires as each finish notification is shown. */
  readonly runNotices: RunNotices;
  readonly queuesProvider: JobQueuesProvider;
  readonly jobsProvider: JobsProvider;
  /** The Jobs tree view: its description shows the filter. */
  readonly jobsView: vscode.TreeView<JobsViewNode>;
  readonly definitionsProvider: JobDefinitionsProvider;
  /** The "AWS: profile (region)" item and why it is shown. */
  readonly targetStatusBar: TargetStatusBar;
  /**
   * Evaluating the bundle plus the activate() call, in milliseconds: VS Code's "code loading" and
   * "activate call" times. The extension host's own work between the two is not ours to count.
   */
  readonly activationMs: number;
}

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const activateStarted = performance.now();
  const services = new Services(context);
  context.subscriptions.push(
    services,
    vscode.workspace.registerTextDocumentContentProvider(JSON_SCHEME, services.documents),
  );
  const runs = registerRunsView(services);
  const runNotices = registerRunNotices(services, runs);
  registerRunsStatusBar(services);
  const queuesProvider = registerQueuesView(services);
  const { provider: jobsProvider, view: jobsView } = registerJobsView(services);
  const definitionsProvider = registerDefinitionsView(services);
  const targetStatusBar = registerStatusBar(services);
  registerWalkthroughEvents(services, runNotices);
  for (const [id, factory] of Object.entries(commands)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, wrapCommand(id, factory(services), services)));
  }
  stopLocalRuns = () => services.localRuns.cancelAll();
  const activationMs = performance.now() - activateStarted + bundleLoadMs();
  services.output.info(`Activated in ${activationMs.toFixed(1)} ms`);
  return {
    services,
    runsProvider: runs.provider,
    runsView: runs.view,
    runNotices,
    queuesProvider,
    jobsProvider,
    jobsView,
    definitionsProvider,
    targetStatusBar,
    activationMs,
  };
}

/** scripts/build.mjs stamps the bundle's first and last lines with the time. */
function bundleLoadMs(): number {
  const stamps = globalThis as { __awsBatchLoadStart?: number; __awsBatchLoadEnd?: number };
  return stamps.__awsBatchLoadStart !== undefined && stamps.__awsBatchLoadEnd !== undefined
    ? stamps.__awsBatchLoadEnd - stamps.__awsBatchLoadStart
    : 0;
}

/** Set by activate(): VS Code waits for deactivate(), so local runs are stopped before the host exits. */
let stopLocalRuns: (() => Promise<void>) | undefined;

export async function deactivate(): Promise<void> {
  // Everything else is in context.subscriptions; local runs' containers must not outlive the window.
  await stopLocalRuns?.();
}
