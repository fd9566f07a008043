import * as vscode from 'vscode';
import type { QueuesViewNode } from '../views/jobQueuesModel';
import { CommandFactory, UserError } from './runCommand';

export const copyArn: CommandFactory = () => async (node: unknown) => {
  const arn = (node as QueuesViewNode | undefined)?.arn;
  if (!arn)
    throw new UserError('Right-click a job queue or compute environment in the AWS Batch view to copy its ARN.');
  await vscode.env.clipboard.writeText(arn);
  vscode.window.setStatusBarMessage(`Copied ${arn}`, 3000);
};
