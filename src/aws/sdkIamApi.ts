// IamApi (./iamApi.ts) over the AWS SDK, on the SDK's paginator. Part of the SDK bundle: load it with
// `await import('../bundles/aws')`.
import { IAMClient, paginateListRoles } from '@aws-sdk/client-iam';
import { awsCall } from '../shared/errors';
import type { IamApi, RoleSummary } from './iamApi';
import { trustedServices } from './trustPolicy';

/** ListRoles returns at most 1,000 roles per page. */
const LIST_PAGE = 1000;

export function createIamApi(iam: IAMClient): IamApi {
  return {
    listRoles: (signal) =>
      awsCall('iam:ListRoles', signal, async () => {
        const roles: RoleSummary[] = [];
        for await (const page of paginateListRoles({ client: iam, pageSize: LIST_PAGE }, {}, { abortSignal: signal })) {
          for (const role of page.Roles ?? []) {
            if (!role.RoleName || !role.Arn) continue;
            roles.push({
              name: role.RoleName,
              arn: role.Arn,
              ...(role.Description ? { description: role.Description } : {}),
              trustedServices: trustedServices(role.AssumeRolePolicyDocument),
            });
          }
        }
        return roles;
      }),
  };
}
