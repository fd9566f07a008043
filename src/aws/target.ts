// Which account/region/endpoint the extension talks to, resolved from settings, the environment and
// the shared AWS config files, in that order. Pure: the caller passes the environment and the files.

export interface AwsSettings {
  profile?: string;
  region?: string;
  endpointUrl?: string;
}

export interface SharedProfiles {
  /**
   * Sections of ~/.aws/config (profile names without the "profile " prefix). The file loader also
   * puts `[sso-session x]` and `[services x]` here as "sso-session.x" and "services.x": they are not
   * profiles (see profileNames), and splitSharedSections moves them to the fields below.
   */
  config: Record<string, Record<string, string | undefined>>;
  /** Sections of ~/.aws/credentials. */
  credentials: Record<string, Record<string, string | undefined>>;
  /** `[services x]` sections of ~/.aws/config: keys such as "s3.endpoint_url". */
  services?: Record<string, Record<string, string | undefined>>;
  /** `[sso-session x]` sections of ~/.aws/config. */
  ssoSessions?: Record<string, Record<string, string | undefined>>;
}

/** The services the extension calls, by the key of their endpoint settings (`AWS_ENDPOINT_URL_<KEY>`, `[services]` key). */
export const AWS_SERVICE_KEYS = {
  batch: 'batch',
  ecr: 'ecr',
  logs: 'cloudwatch_logs',
  s3: 's3',
  cloudformation: 'cloudformation',
  iam: 'iam',
  ec2: 'ec2',
} as const;
export type AwsService = keyof typeof AWS_SERVICE_KEYS;

const SECTION_PREFIXES = ['sso-session.', 'services.'];

/** Takes the `[sso-session …]` and `[services …]` sections out of the profiles. */
export function splitSharedSections(files: SharedProfiles): SharedProfiles {
  const config: SharedProfiles['config'] = {};
  const services: NonNullable<SharedProfiles['services']> = { ...files.services };
  const ssoSessions: NonNullable<SharedProfiles['ssoSessions']> = { ...files.ssoSessions };
  for (const [name, section] of Object.entries(files.config)) {
    if (name.startsWith('services.')) services[name.slice('services.'.length)] = section;
    else if (name.startsWith('sso-session.')) ssoSessions[name.slice('sso-session.'.length)] = section;
    else config[name] = section;
  }
  return { config, credentials: files.credentials, services, ssoSessions };
}

/** The profile names a user can choose: `[default]`, `[profile x]` and the credentials file's sections. */
export function profileNames(files: SharedProfiles): string[] {
  const isProfile = (name: string) => !SECTION_PREFIXES.some((prefix) => name.startsWith(prefix));
  return [...new Set([...Object.keys(files.config).filter(isProfile), ...Object.keys(files.credentials)])].sort();
}

export type Source = 'setting' | 'environment' | 'profile' | 'default';

export interface AwsTarget {
  /** Undefined means the SDK's default chain (environment keys, then the default profile, SSO, IMDS...). */
  profile: string | undefined;
  profileSource: Source;
  region: string;
  regionSource: Source;
  /**
   * The endpoint every service goes to unless `endpoints` names another: awsBatch.endpointUrl, else
   * AWS_ENDPOINT_URL, else the profile's endpoint_url. Undefined: AWS.
   */
  endpoint: string | undefined;
  /**
   * Each service's endpoint, in the order of the SDK and the CLI: the setting, AWS_ENDPOINT_URL_<SERVICE>,
   * AWS_ENDPOINT_URL, the profile's `services` section, the profile's endpoint_url.
   * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (or the profile's ignore_configured_endpoint_urls) drops all but the setting.
   */
  endpoints?: Record<AwsService, string | undefined>;
  /** AWS_RETRY_MODE, else the profile's retry_mode; undefined: the extension's choice. */
  retryMode?: string;
  /** AWS_MAX_ATTEMPTS, else the profile's max_attempts. */
  maxAttempts?: number;
  /** The profile assumes a role with an MFA device: credentials need a code (mfa_serial). */
  mfaSerial?: string;
}

/** The endpoint of one service (undefined: AWS). */
export function endpointFor(
  target: Pick<AwsTarget, 'endpoint' | 'endpoints'>,
  service: AwsService,
): string | undefined {
  return target.endpoints ? target.endpoints[service] : target.endpoint;
}

/** Where one service's calls go: the region and that service's own endpoint. */
export interface ServiceTarget {
  region: string;
  endpoint: string | undefined;
}

/**
 * The one way a client of its own (Download Results' S3, the log followers' Logs) learns where to
 * call: the service's endpoint as createAwsClients gives it, so AWS_ENDPOINT_URL_S3 or a profile's
 * `services` section wins over the global endpoint there too.
 */
export function serviceTarget(
  target: Pick<AwsTarget, 'region' | 'endpoint' | 'endpoints'>,
  service: AwsService,
): ServiceTarget {
  return { region: target.region, endpoint: endpointFor(target, service) };
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
  if (profile && !profileNames(profiles).includes(profile)) {
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

  const section = profiles.config[profile ?? 'default'] ?? {};
  const settingEndpoint = nonEmpty(settings.endpointUrl);
  const ignoreConfigured =
    isTrue(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS) ?? isTrue(section.ignore_configured_endpoint_urls) ?? false;
  const servicesSection = nonEmpty(section.services);
  const configured = servicesSection
    ? (profiles.services?.[servicesSection] ?? profiles.config[`services.${servicesSection}`])
    : undefined;
  const globalEnv = ignoreConfigured ? undefined : nonEmpty(env.AWS_ENDPOINT_URL);
  const profileEndpoint = ignoreConfigured ? undefined : nonEmpty(section.endpoint_url);
  const endpoint = settingEndpoint ?? globalEnv ?? profileEndpoint;
  const endpoints = {} as Record<AwsService, string | undefined>;
  for (const [service, key] of Object.entries(AWS_SERVICE_KEYS) as [AwsService, string][]) {
    endpoints[service] =
      settingEndpoint ??
      (ignoreConfigured
        ? undefined
        : (nonEmpty(env[`AWS_ENDPOINT_URL_${key.toUpperCase()}`]) ??
          globalEnv ??
          nonEmpty(configured?.[`${key}.endpoint_url`]) ??
          profileEndpoint));
  }
  for (const value of new Set([endpoint, ...Object.values(endpoints)])) {
    if (value !== undefined) checkEndpoint(value);
  }

  const retryMode = nonEmpty(env.AWS_RETRY_MODE) ?? nonEmpty(section.retry_mode);
  const attempts = Number(nonEmpty(env.AWS_MAX_ATTEMPTS) ?? nonEmpty(section.max_attempts));
  const maxAttempts = Number.isInteger(attempts) && attempts > 0 ? attempts : undefined;
  const mfaSerial = nonEmpty(section.mfa_serial);

  return { profile, profileSource, region, regionSource, endpoint, endpoints, retryMode, maxAttempts, mfaSerial };
}

function isTrue(value: string | undefined): boolean | undefined {
  const trimmed = nonEmpty(value)?.toLowerCase();
  return trimmed === undefined ? undefined : trimmed === 'true';
}

function checkEndpoint(endpoint: string): void {
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
  const custom = target.endpoint ?? (target.endpoints && Object.values(target.endpoints).find(Boolean));
  return custom ? `${base} (custom endpoint)` : base;
}
