// Lets the user pick a profile from the shared config and credentials files.
import * as vscode from 'vscode';
import { SETTINGS_SECTION } from '../services';
import type { CommandFactory } from './runCommand';

const DEFAULT_CHAIN = '$(key) Default credential chain';

export const selectProfile: CommandFactory = (services) => async () => {
  const { loadSharedProfiles } = await import('../aws/clients');
  const profiles = await loadSharedProfiles();
  const names = [...new Set([...Object.keys(profiles.config), ...Object.keys(profiles.credentials)])].sort();
  const current = services.settings().profile || undefined;
  const items: vscode.QuickPickItem[] = [
    {
      label: DEFAULT_CHAIN,
      description: current ? undefined : 'current',
      detail: 'Environment variables (AWS_ACCESS_KEY_ID, AWS_PROFILE…), then the default profile, SSO, instance roles',
    },
    ...names.map((name) => ({
      label: name,
      description: [name === current ? 'current' : '', profiles.config[name]?.region ?? ''].filter(Boolean).join(' · '),
      detail: profiles.config[name]?.sso_session || profiles.config[name]?.sso_start_url ? 'SSO' : undefined,
    })),
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: 'AWS profile for AWS Batch',
    placeHolder: names.length
      ? 'Choose a profile from ~/.aws/config and ~/.aws/credentials'
      : 'No profiles found in ~/.aws; run `aws configure` to create one',
  });
  if (!picked) return;
  const profile = picked.label === DEFAULT_CHAIN ? undefined : picked.label;
  await vscode.workspace
    .getConfiguration(SETTINGS_SECTION)
    .update('profile', profile, vscode.ConfigurationTarget.Global);
};
