// Load Older Events: the next page back in a document opened by Open Full Log.
import * as vscode from 'vscode';
import { LOG_SCHEME } from '../ui/logDocuments';
import { CommandFactory, UserError } from './runCommand';

export const loadOlderLogEvents: CommandFactory = (services) => async (arg?: unknown) => {
  const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
  if (!uri || uri.scheme !== LOG_SCHEME || !services.logDocuments.isLogDocument(uri)) {
    throw new UserError('Open a job log with "AWS Batch: Open Full Log" first.');
  }
  return services.logDocuments.loadOlder(uri);
};
