// Amazon ECR registry names: "<account>.dkr.ecr.<region>.amazonaws.com" (also -fips, .com.cn and the
// dual-stack "<account>.dkr-ecr.<region>.on.aws"). A FROM on one is signed in with the user's AWS
// credentials in that region; a refused pull there is explained in IAM words.

export interface EcrHost {
  host: string;
  account: string;
  region: string;
}

const ECR_HOST =
  /^(\d{12})\.(?:dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?|dkr-ecr(?:-fips)?\.([a-z0-9-]+)\.on\.aws)$/;

/** The account and region of an ECR registry host, or undefined for any other registry. */
export function parseEcrHost(host: string): EcrHost | undefined {
  const match = ECR_HOST.exec(host.trim().toLowerCase());
  if (!match) return undefined;
  return { host: match[0], account: match[1], region: match[2] ?? match[3] };
}

/** What to do when ECR refused a pull: the IAM actions and the other account's repository policy. */
export function ecrDeniedHint(ecr: EcrHost): string {
  return (
    `The ECR registry ${ecr.host} (account ${ecr.account}, ${ecr.region}) refused to let the build pull its base image. ` +
    `The build signs in there with your AWS credentials (awsBatch.profile): they need ecr:GetAuthorizationToken, and ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on that repository; ` +
    `a repository of another account also needs a repository policy there that lets your account or role pull. Check the image name too, then try again.`
  );
}
