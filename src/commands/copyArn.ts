import * as vscode from 'vscode';
import type { ArnArg } from './args';
import { CommandFactory, UserError } from './runCommand';

/** Any node with an ARN: queue, compute environment, job, job definition revision. */
export const copyArn: CommandFactory<[node?: ArnArg]> = () => async (node) => {
  const { arn, jobArn } = node ?? {};
  const value = arn || jobArn;
  if (!value) throw new UserError('Right-click an item in the AWS Batch views to copy its ARN.');
  await vscode.env.clipboard.writeText(value);
  vscode.window.setStatusBarMessage(`Copied ${value}`, 3000);
};
