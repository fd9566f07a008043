// Which account/region/endpoint the extension talks to, resolved from settings, the environment and
// the shared AWS config files, in that order. Pure: the caller passes the environment and the files.

export interface AwsSettings {
  profile?: string;
  region?: string;
  endpointUrl?: string;
}

export interface SharedProfiles {
  /** Sections of ~/.aws/config (profile names without the "profile " prefix). */
  config: Record<string, Record<string, string | undefined>>;
  /** Sections of ~/.aws/credentials. */
  credentials: Record<string, Record<string, string | undefined>>;
}

export type Source = 'setting' | 'environment' | 'profile' | 'default';

export interface AwsTarget {
  /** Undefined means the SDK's default chain (environment keys, then the default profile, SSO, IMDS...). */
  profile: string | undefined;
  profileSource: Source;
  region: string;
  regionSource: Source;
  endpoint: string | undefined;
}

export class AwsTargetError extends Error {
  constructor(
    message: string,
    readonly kind: 'region' | 'endpoint' | 'profile',
  ) {
    super(message);
    this.name = 'AwsTargetError';
  }
}

const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

export function resolveAwsTarget(
  settings: AwsSettings,
  env: Record<string, string | undefined>,
  profiles: SharedProfiles,
): AwsTarget {
  const settingProfile = nonEmpty(settings.profile);
  const envProfile = nonEmpty(env.AWS_PROFILE);
  const profile = settingProfile ?? envProfile;
  const profileSource: Source = settingProfile ? 'setting' : envProfile ? 'environment' : 'default';
  if (profile && !(profile in profiles.config) && !(profile in profiles.credentials)) {
    const where = settingProfile ? 'the setting awsBatch.profile' : 'AWS_PROFILE';
    throw new AwsTargetError(
      `The AWS profile "${profile}" (from ${where}) is not in ~/.aws/config or ~/.aws/credentials. ` +
        'Choose an existing profile, or create it with `aws configure --profile ' +
        profile +
        '`.',
      'profile',
    );
  }

  const profileRegion = nonEmpty(profiles.config[profile ?? 'default']?.region);
  const candidates: [string | undefined, Source][] = [
    [nonEmpty(settings.region), 'setting'],
    [nonEmpty(env.AWS_REGION), 'environment'],
    [nonEmpty(env.AWS_DEFAULT_REGION), 'environment'],
    [profileRegion, 'profile'],
  ];
  const found = candidates.find(([value]) => value !== undefined);
  if (!found) {
    throw new AwsTargetError(
      'No AWS region is set. Set "awsBatch.region" in the settings, or a region for your profile in ~/.aws/config.',
      'region',
    );
  }
  const [region, regionSource] = found as [string, Source];
  if (!REGION_PATTERN.test(region)) {
    throw new AwsTargetError(
      `"${region}" is not an AWS region name (like us-east-1). Fix the region in ${describeSource(regionSource, 'region')}.`,
      'region',
    );
  }

  const endpoint = nonEmpty(settings.endpointUrl) ?? nonEmpty(env.AWS_ENDPOINT_URL);
  if (endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new AwsTargetError(
        `The endpoint "${endpoint}" is not a URL. Use a full URL such as http://127.0.0.1:5001 in "awsBatch.endpointUrl".`,
        'endpoint',
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new AwsTargetError(`The endpoint "${endpoint}" must start with http:// or https://.`, 'endpoint');
    }
  }

  return { profile, profileSource, region, regionSource, endpoint };
}

export function describeSource(source: Source, what: 'region' | 'profile'): string {
  switch (source) {
    case 'setting':
      return `the setting awsBatch.${what}`;
    case 'environment':
      return what === 'region' ? 'the AWS_REGION environment variable' : 'the AWS_PROFILE environment variable';
    case 'profile':
      return 'your profile in ~/.aws/config';
    default:
      return 'the default AWS configuration';
  }
}

/** "AWS: dev (eu-west-1)" style label; endpoint overrides are called out because they are easy to forget. */
export function describeTarget(target: AwsTarget): string {
  const base = `${target.profile ?? 'default'} (${target.region})`;
  return target.endpoint ? `${base} (custom endpoint)` : base;
}
