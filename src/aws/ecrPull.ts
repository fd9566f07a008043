// Sign-in for base images on Amazon ECR (a FROM on another account's or another region's registry):
// one GetAuthorizationToken per region with the user's AWS credentials. An ECR token works for
// every registry of that region the caller may read, so the token of the account's own registry
// serves its region and no call is made for it. Values never reach a log line.
import { type ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import type { PullCredentials } from '../docker/credentials';
import { parseEcrHost } from '../docker/ecrHost';
import { awsStep, isCancellation } from '../shared/errors';
import { decodeAuthorizationToken } from './ecr';

export interface EcrPullSignIn {
  /** Registry host → credentials, for the build's pulls (X-Registry-Config / the BuildKit session). */
  credentials: Record<string, PullCredentials>;
  /** Lines for the build channel (registries and regions, never a token). */
  log: string[];
}

/**
 * @param hosts the registries of the FROM images and cacheFrom
 * @param clientFor an ECR client of the user's credentials in a region
 * @param known tokens already at hand, by region (the account's own registry)
 */
export async function ecrPullCredentials(
  hosts: string[],
  clientFor: (region: string) => ECRClient,
  known: Map<string, PullCredentials> = new Map(),
  signal?: AbortSignal,
): Promise<EcrPullSignIn> {
  const byRegion = new Map<string, string[]>();
  for (const host of new Set(hosts)) {
    const ecr = parseEcrHost(host);
    if (ecr) byRegion.set(ecr.region, [...(byRegion.get(ecr.region) ?? []), ecr.host]);
  }
  const credentials: Record<string, PullCredentials> = {};
  const log: string[] = [];
  for (const [region, regionHosts] of byRegion) {
    let token = known.get(region);
    if (!token) {
      try {
        const out = await awsStep('ecr:GetAuthorizationToken', signal, () =>
          clientFor(region).send(new GetAuthorizationTokenCommand({}), { abortSignal: signal }),
        );
        const data = out.authorizationData?.[0]?.authorizationToken;
        if (!data) throw new Error('ECR returned no token');
        token = decodeAuthorizationToken(data);
      } catch (error) {
        if (isCancellation(error)) throw error;
        // The pull then fails with the registry named and the fix (ecrDeniedHint).
        log.push(
          `Could not sign in to ECR in ${region} for ${regionHosts.join(', ')}: ${(error as Error).message}. The build tries without.`,
        );
        continue;
      }
    }
    for (const host of regionHosts) credentials[host] = { username: token.username, password: token.password };
    log.push(`Base images: signed in to ECR in ${region} for ${regionHosts.join(', ')} with your AWS credentials`);
  }
  return { credentials, log };
}
