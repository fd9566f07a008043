import * as vscode from 'vscode';
import type { CommandFactory } from './runCommand';

export const openSettings: CommandFactory = () => () =>
  vscode.commands.executeCommand('workbench.action.openSettings', '@ext:aws-batch-runner.aws-batch-runner');
