// "AWS Batch: Tear Down AWS Batch Environment…": deletes the stack Set Up created, after
// confirmation; the results bucket's run folders only when asked (else the bucket is kept).
import * as vscode from 'vscode';
import { askMfaCode } from '../ui/services';
import { UserError, type CommandFactory } from './runCommand';
import { LAST_STACK_KEY } from './setUpBatch';

export const tearDownBatch: CommandFactory = (services) => async (stackArg?: unknown) => {
  const aws = await import('../bundles/setup');
  const stackName =
    typeof stackArg === 'string'
      ? stackArg
      : (
          await vscode.window.showInputBox({
            title: 'AWS Batch: Tear Down',
            prompt: 'CloudFormation stack to delete (the one Set Up created)',
            value: services.context.globalState.get<string>(LAST_STACK_KEY) ?? 'aws-batch-runner',
            ignoreFocusOut: true,
            validateInput: (value) => aws.validateStackName(value.trim()),
          })
        )?.trim();
  if (!stackName) return undefined;
  const setup = await aws.createSetupClients(services.settings.aws, process.env, { mfaCodeProvider: askMfaCode });
  try {
    const stack = await aws.describeStack(setup.cloudFormation, stackName);
    if (!stack) throw new UserError(`There is no stack ${stackName} in ${setup.target.region}.`);
    const bucket = aws.outputsOf(stack).resultsBucket;
    const keep = 'Delete, Keep Results';
    const all = 'Delete Everything';
    const picked = await vscode.window.showWarningMessage(
      `Delete the AWS Batch environment ${stackName}?`,
      {
        modal: true,
        detail:
          'Its compute environment, job queue, ECR repository (with its images), roles and network are deleted. ' +
          (bucket
            ? `"${keep}" keeps the results bucket ${bucket} when it holds run folders; "${all}" deletes them too.`
            : ''),
      },
      keep,
      all,
    );
    if (!picked) return undefined;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `AWS Batch: tearing down ${stackName}` },
      (progress) =>
        aws
          .deleteStack(setup.cloudFormation, setup.s3, stackName, picked === all, {
            onEvent: (event) => {
              const line = `${event.resource} ${event.status}${event.reason ? `: ${event.reason}` : ''}`;
              services.output.info(`Tear Down: ${line}`);
              progress.report({ message: line });
            },
          })
          .catch((error: unknown) => {
            if (error instanceof aws.StackFailedError) throw new UserError(error.message);
            throw error;
          }),
    );
    void services.queues.refresh();
    void vscode.window.showInformationMessage(
      `Deleted the stack ${stackName}.` +
        (result.keptBucket ? ` The results bucket ${result.keptBucket} was kept.` : ''),
    );
    return result;
  } finally {
    setup.destroy();
  }
};
