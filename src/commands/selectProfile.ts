// Picks a profile from the shared config and credentials files, then a region. Switching
// refreshes every view (Services fires onDidChangeAwsTarget when the settings change).
import * as vscode from 'vscode';
import { AWS_REGIONS } from '../aws/regions';
import { profileNames } from '../aws/target';
import type { CommandFactory } from './runCommand';

const DEFAULT_CHAIN = '$(key) Default credential chain';
const PROFILE_REGION = '$(settings) Region of the profile / AWS_REGION';

export const selectProfile: CommandFactory = (services) => async () => {
  const { loadSharedProfiles } = await import('../aws/sharedProfiles');
  const profiles = await loadSharedProfiles();
  // Only real profiles: [default], [profile x] and the credentials file's sections, not [sso-session x] or [services x].
  const names = profileNames(profiles);
  const settings = services.settings.aws;
  const current = settings.profile || undefined;
  const profileItems: vscode.QuickPickItem[] = [
    {
      label: DEFAULT_CHAIN,
      description: current ? undefined : 'current',
      detail: 'Environment variables (AWS_ACCESS_KEY_ID, AWS_PROFILE…), then the default profile, SSO, instance roles',
    },
    ...names.map((name) => ({
      label: name,
      description: [name === current ? 'current' : '', profiles.config[name]?.region ?? ''].filter(Boolean).join(' · '),
      detail: profileDetail(profiles.config[name]),
    })),
  ];
  const pickedProfile = await vscode.window.showQuickPick(profileItems, {
    title: 'AWS Batch: profile (1/2)',
    placeHolder: names.length
      ? 'Choose a profile from ~/.aws/config and ~/.aws/credentials'
      : 'No profiles found in ~/.aws; run `aws configure` to create one',
  });
  if (!pickedProfile) return;
  const profile = pickedProfile.label === DEFAULT_CHAIN ? undefined : pickedProfile.label;

  const currentRegion = settings.region || undefined;
  const profileRegion = profiles.config[profile ?? 'default']?.region;
  const regionItems: vscode.QuickPickItem[] = [
    { label: PROFILE_REGION, description: profileRegion ?? process.env.AWS_REGION ?? 'none set' },
    ...AWS_REGIONS.map((region) => ({ label: region, description: region === currentRegion ? 'current' : undefined })),
  ];
  const pickedRegion = await vscode.window.showQuickPick(regionItems, {
    title: 'AWS Batch: region (2/2)',
    placeHolder: 'Choose a region',
  });
  if (!pickedRegion) return;
  const region = pickedRegion.label === PROFILE_REGION ? undefined : pickedRegion.label;

  await services.settings.setTarget(profile, region);
};

/** What kind of sign-in a profile uses, and the endpoint it sends calls to when it names one. */
export function profileDetail(section: Record<string, string | undefined> | undefined): string | undefined {
  if (!section) return undefined;
  const parts = [
    section.sso_session || section.sso_start_url ? 'SSO' : '',
    section.mfa_serial ? 'MFA: asks for a code' : '',
    section.role_arn && !section.mfa_serial ? 'assumes a role' : '',
    section.credential_process ? 'credential process' : '',
    section.endpoint_url ? `endpoint ${section.endpoint_url}` : '',
    section.services ? `services ${section.services}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(' · ') : undefined;
}
