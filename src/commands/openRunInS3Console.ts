// Open Run in S3 Console: the run's folder in the S3 console of the current region.
import * as vscode from 'vscode';
import { s3ConsoleUrl } from '../aws/console';
import { parseS3Uri } from '../results/s3Uri';
import type { CommandFactory } from './runCommand';
import { runFor, type RunTarget } from './pickRun';

export const openRunInS3Console: CommandFactory<[target?: RunTarget]> = (services) => async (target) => {
  const run = await runFor(services, target, {
    title: 'Open Run in S3 Console',
    applies: () => true,
    refuse: () => '',
    none: 'No runs found.',
  });
  if (!run) return undefined;
  const { target: aws } = await services.aws();
  const { bucket, prefix } = parseS3Uri(run.runUri);
  const url = s3ConsoleUrl(aws.region, bucket, prefix);
  await vscode.env.openExternal(vscode.Uri.parse(url));
  return url;
};
