// The IAM calls of the extension: a type-only interface, implemented over the SDK by ./sdkIamApi.ts (in
// the lazily loaded SDK bundle) and by plain objects in the unit tests. Failures are AwsStepErrors
// naming the IAM action, as with BatchApi.

export interface RoleSummary {
  name: string;
  arn: string;
  description?: string;
  /** The services the role's trust policy lets assume it (e.g. "ecs-tasks.amazonaws.com"). */
  trustedServices: string[];
}

export interface IamApi {
  /** Every role of the account, all pages. */
  listRoles(signal?: AbortSignal): Promise<RoleSummary[]>;
}
