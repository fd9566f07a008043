import * as vscode from 'vscode';
import { consoleUrl } from '../aws/console';
import type { CommandFactory } from './runCommand';

export const openQueuesInConsole: CommandFactory = (services) => async () => {
  const { target } = await services.aws();
  await vscode.env.openExternal(vscode.Uri.parse(consoleUrl(target.region, 'queues')));
};
