// "AWS Batch: Copy IAM Policy…": one of the policy documents of docs/iam (shipped in the VSIX), with the
// region (and bucket of the workspace's aws-batch.json, when there is one) filled in, on the clipboard.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { CONFIG_FILE } from '../config/fileName';
import type { CommandFactory } from './runCommand';

export const IAM_DOCUMENTS = [
  {
    file: 'user-policy.json',
    label: 'Your policy',
    detail: 'For you or your SSO permission set: the calls the extension makes',
  },
  {
    file: 'manager-job-role-policy.json',
    label: 'Job role policy',
    detail: 'For the run’s job role (jobRoleArn): the manager starts and stops its workers and uses the results prefix',
  },
  {
    file: 'job-role-trust-policy.json',
    label: 'Job role trust policy',
    detail: 'Lets AWS Batch jobs (ECS tasks) assume the job role',
  },
  {
    file: 'execution-role-trust-policy.json',
    label: 'Execution role trust policy',
    detail: 'For the Fargate execution role (with AmazonECSTaskExecutionRolePolicy)',
  },
  {
    file: 'instance-role-trust-policy.json',
    label: 'Instance role trust policy',
    detail: 'For the EC2 instance role of an EC2 compute environment',
  },
];

/** Fills the placeholders it knows; ACCOUNT_ID and the rest stay for the user to replace. */
export function fillPolicy(
  text: string,
  values: { region?: string; bucket?: string; prefix?: string; queue?: string },
): string {
  let filled = text;
  if (values.region) filled = filled.replaceAll('REGION', values.region);
  if (values.bucket) filled = filled.replaceAll('RESULTS_BUCKET', values.bucket);
  if (values.prefix !== undefined) filled = filled.replaceAll('RESULTS_PREFIX', values.prefix);
  if (values.queue) filled = filled.replaceAll('JOB_QUEUE', values.queue);
  return filled;
}

export const copyIamPolicy: CommandFactory = (services) => async () => {
  const picked = await vscode.window.showQuickPick(
    IAM_DOCUMENTS.map((doc) => ({ ...doc, description: doc.file })),
    { title: 'AWS Batch: Copy IAM Policy', placeHolder: 'Which policy document?' },
  );
  if (!picked) return undefined;
  const text = await readFile(join(services.context.extensionPath, 'docs/iam', picked.file), 'utf8');
  const values: Parameters<typeof fillPolicy>[1] = { region: services.target?.region ?? services.settings.aws.region };
  const folder = vscode.workspace.workspaceFolders?.[0];
  const configFile = folder ? join(folder.uri.fsPath, CONFIG_FILE) : undefined;
  if (configFile && existsSync(configFile)) {
    const { parse } = await import('jsonc-parser');
    const config = parse(await readFile(configFile, 'utf8')) as
      | {
          results?: { bucket?: string; prefix?: string };
          jobQueue?: string;
        }
      | undefined;
    values.bucket = config?.results?.bucket;
    values.prefix = config?.results?.prefix ?? (config?.results?.bucket ? 'runs/' : undefined);
    values.queue = config?.jobQueue?.split('/').pop();
  }
  const filled = fillPolicy(text, values);
  await vscode.env.clipboard.writeText(filled);
  const left = [...new Set(filled.match(/\b(ACCOUNT_ID|REGION|RESULTS_BUCKET|RESULTS_PREFIX|JOB_QUEUE)\b/g) ?? [])];
  void vscode.window.showInformationMessage(
    `Copied "${picked.label}" (${picked.file}).` +
      (left.length ? ` Replace ${left.join(', ')} before you paste it into IAM.` : ''),
  );
  return filled;
};
