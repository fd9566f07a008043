// The wizard's job role question: the account's roles that ECS tasks may assume (iam:ListRoles), "None",
// or an ARN typed in.
import { roleArn, type PickItem, type Prompter } from './prompter';

export interface RoleChoice {
  name: string;
  arn: string;
  description?: string;
  /** The services its trust policy lets assume it: a job role needs "ecs-tasks.amazonaws.com". */
  trustedServices: string[];
}

const ECS_TASKS = 'ecs-tasks.amazonaws.com';
/** The pick that asks for an ARN instead (a role of another account, or one ListRoles did not show). */
const TYPE_ARN = '\u0000type an ARN';
/**
 * What a job role is for, in one sentence (docs/iam/manager-job-role-policy.json is the policy). Short:
 * the quick pick shows its placeholder on one line of about 85 characters.
 */
const JOB_ROLE_PURPOSE = 'The role the containers run as: the manager needs Batch and S3 on its run (docs/iam)';

/** Job roles first: an execution role (pulls images, writes logs) trusts ECS tasks too, but is not one. */
function roleRank(role: RoleChoice): number {
  if (/execution/i.test(role.name)) return 2;
  return /job|batch|task/i.test(role.name) ? 0 : 1;
}

/**
 * The job role: the roles ECS tasks may assume (what Batch containers run as), "None", or an ARN typed
 * in. When the roles cannot be listed, says so in the prompt and asks for the ARN. '' means none.
 */
export async function askJobRole(
  prompter: Prompter,
  roles: Promise<RoleChoice[]>,
  title: string,
): Promise<string | undefined> {
  let listed: RoleChoice[] | undefined;
  let failure = '';
  try {
    listed = await roles;
  } catch (error) {
    failure = oneLine((error as Error)?.message ?? String(error));
  }
  const typeArn = (prompt: string) =>
    prompter
      .input({ title, prompt, value: '', validate: roleArn(true) })
      .then((text) => (text === undefined ? undefined : text.trim()));
  if (!listed) {
    return typeArn(
      `Could not list the IAM roles (${failure}): type the job role ARN, or leave it empty for none. ${JOB_ROLE_PURPOSE}`,
    );
  }
  const candidates = listed
    .filter((role) => role.trustedServices.includes(ECS_TASKS))
    .sort((a, b) => roleRank(a) - roleRank(b) || a.name.localeCompare(b.name));
  const items: PickItem<string>[] = candidates.map((role) => ({
    label: role.name,
    description: roleRank(role) === 2 ? 'looks like an execution role' : role.description,
    detail: role.arn,
    value: role.arn,
  }));
  items.push(
    { label: 'None', description: 'the containers get no AWS permissions of their own', value: '' },
    { label: '$(edit) Type a role ARN…', description: 'a role not listed here', value: TYPE_ARN },
  );
  const picked = await prompter.pick({
    title,
    placeholder: candidates.length ? JOB_ROLE_PURPOSE : `No role here trusts ${ECS_TASKS}. ${JOB_ROLE_PURPOSE}`,
    items,
  });
  if (picked !== TYPE_ARN) return picked;
  return typeArn(`The job role's ARN. ${JOB_ROLE_PURPOSE}`);
}

/** A role ECS tasks may assume that is named like an execution role, in the queue's account if known. */
export function executionRoleIn(roles: RoleChoice[], account: string | undefined): string | undefined {
  return roles.find(
    (role) =>
      role.trustedServices.includes(ECS_TASKS) &&
      /execution/i.test(role.name) &&
      (!account || role.arn.split(':')[4] === account),
  )?.arn;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}
