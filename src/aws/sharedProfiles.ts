// Reads ~/.aws/config and ~/.aws/credentials (or the files AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE name). Small, so the status bar can use it without the SDK clients.
// `[sso-session …]` and `[services …]` sections come back apart from the profiles.
import { loadSharedConfigFiles } from '@smithy/shared-ini-file-loader';
import { splitSharedSections, type SharedProfiles } from './target';

export async function loadSharedProfiles(): Promise<SharedProfiles> {
  // A missing or unreadable file is the normal case for environment-only setups.
  const files = await loadSharedConfigFiles({ ignoreCache: true }).catch(() => ({
    configFile: {},
    credentialsFile: {},
  }));
  return splitSharedSections({ config: files.configFile, credentials: files.credentialsFile });
}
