// Every awsBatch.* setting of package.json (contributes.configuration), read in one place with the
// defaults and clamping the extension applies, and one change event that says which groups changed.
import * as vscode from 'vscode';
import type { AwsSettings } from '../aws/target';
import { DEFAULT_NODE_IMAGE } from '../docker/runtimeNode';

export const SETTINGS_SECTION = 'awsBatch';

/** The setting keys (below awsBatch.) of each group; a change event names the groups it touched. */
const GROUPS = {
  /** Which account, region and endpoint: the AWS clients are made again. */
  target: ['profile', 'region', 'endpointUrl'],
  polling: ['pollIntervalSeconds'],
  submit: ['registryHost', 'runtimeNodeImage'],
  logs: ['logs.maxRequestsPerSecond', 'logs.liveTail', 'logs.timestamps', 'logs.followAfterSubmit'],
  download: ['download.concurrency', 'download.folder'],
  runs: ['runs.resultsLocations'],
} as const;

export type SettingsGroup = keyof typeof GROUPS;
export type SettingKey = (typeof GROUPS)[SettingsGroup][number];

/** What one configuration change touched. */
export interface SettingsChange {
  readonly groups: ReadonlySet<SettingsGroup>;
  /** Whether the group changed. */
  has(group: SettingsGroup): boolean;
  /** Whether one setting (below awsBatch.) changed. */
  affects(key: SettingKey): boolean;
}

export interface SubmitSettings {
  registryHost: string | undefined;
  runtimeNodeImage: string;
}

export interface LogSettings {
  maxRequestsPerSecond: number;
  liveTail: boolean;
  timestamps: boolean;
  followAfterSubmit: boolean;
}

export interface DownloadFolderSetting {
  /** The folder pattern the user set (workspace folder, workspace or user), else undefined. */
  explicit: string | undefined;
  /** The contributed default, `results/${runId}`. */
  defaultValue: string | undefined;
}

export class Settings implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SettingsChange>();
  /** Fires once per configuration change that touched an awsBatch.* setting. */
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor() {
    this.subscription = vscode.workspace.onDidChangeConfiguration((event) => {
      const affects = (key: string) => event.affectsConfiguration(`${SETTINGS_SECTION}.${key}`);
      const groups = new Set(
        (Object.keys(GROUPS) as SettingsGroup[]).filter((group) => GROUPS[group].some((key) => affects(key))),
      );
      if (!groups.size) return;
      this.changed.fire({ groups, has: (group) => groups.has(group), affects });
    });
  }

  private config(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SETTINGS_SECTION);
  }

  /** Profile, region and endpoint as set (empty strings included; resolveAwsTarget falls back). */
  get aws(): AwsSettings {
    const config = this.config();
    return {
      profile: config.get<string>('profile'),
      region: config.get<string>('region'),
      endpointUrl: config.get<string>('endpointUrl'),
    };
  }

  /** The profile setting, undefined when empty. */
  get profile(): string | undefined {
    return this.aws.profile || undefined;
  }

  /** How often visible views refresh: awsBatch.pollIntervalSeconds, at least 2 seconds. */
  get pollIntervalMs(): number {
    const seconds = this.config().get<number>('pollIntervalSeconds', 10);
    return Math.max(2, seconds) * 1000;
  }

  /** Settings of the build and push steps. */
  get submit(): SubmitSettings {
    const config = this.config();
    return {
      registryHost: config.get<string>('registryHost')?.trim() || undefined,
      runtimeNodeImage: config.get<string>('runtimeNodeImage')?.trim() || DEFAULT_NODE_IMAGE,
    };
  }

  /** The awsBatch.logs.* settings; a rate that is not positive counts as the default 4. */
  get logs(): LogSettings {
    const config = this.config();
    const rate = config.get<number>('logs.maxRequestsPerSecond', 4);
    return {
      maxRequestsPerSecond: rate > 0 ? rate : 4,
      liveTail: config.get<boolean>('logs.liveTail', true),
      timestamps: config.get<boolean>('logs.timestamps', false),
      followAfterSubmit: config.get<boolean>('logs.followAfterSubmit', true),
    };
  }

  /** awsBatch.download.concurrency, a whole number from 1 to 64 (16 when unset or 0). */
  get downloadConcurrency(): number {
    const setting = this.config().get<number>('download.concurrency', 16);
    return Math.max(1, Math.min(64, Math.floor(setting) || 16));
  }

  /** awsBatch.download.folder: only a value the user set counts (else the folder is asked once). */
  get downloadFolder(): DownloadFolderSetting {
    const setting = this.config().inspect<string>('download.folder');
    return {
      explicit: setting?.workspaceFolderValue ?? setting?.workspaceValue ?? setting?.globalValue,
      defaultValue: setting?.defaultValue,
    };
  }

  /**
   * awsBatch.runs.resultsLocations: the s3://bucket/prefix/ URIs whose run folders the Runs view
   * lists besides those of the workspace's aws-batch.json files. Entries that are not strings are dropped;
   * the URIs are checked where they are parsed.
   */
  get runsResultsLocations(): string[] {
    const value = this.config().get<unknown>('runs.resultsLocations', []);
    return Array.isArray(value)
      ? value.filter((entry): entry is string => typeof entry === 'string' && entry.trim() !== '')
      : [];
  }

  /** Sets profile and region in the user settings (undefined: remove the setting). */
  async setTarget(profile: string | undefined, region: string | undefined): Promise<void> {
    const config = this.config();
    await config.update('profile', profile, vscode.ConfigurationTarget.Global);
    await config.update('region', region, vscode.ConfigurationTarget.Global);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
