// Restricted Mode: the commands that build or run the folder's code (its Dockerfile, its aws-batch.json
// commands) wait until the folder is trusted. package.json declares `untrustedWorkspaces: limited`, so
// the views still work in an untrusted folder; these commands say why they do nothing instead.
import * as vscode from 'vscode';
import type { CommandFactory } from './runCommand';

export const MANAGE_TRUST = 'Manage Workspace Trust';

/** The message a gated command shows in an untrusted folder. */
export function untrustedMessage(what: string): string {
  return (
    `${what} is off in Restricted Mode: it builds and runs this folder's code (its Dockerfile and the ` +
    'commands in aws-batch.json) with your AWS credentials. Trust the folder to use it.'
  );
}

/**
 * Wraps a command so that it runs only in a trusted workspace. `isTrusted` is for tests; VS Code's
 * own flag is read on each call (trust can be granted while the window is open).
 */
export function requiresTrust<A extends unknown[]>(
  what: string,
  factory: CommandFactory<A>,
  isTrusted: () => boolean = () => vscode.workspace.isTrusted,
): CommandFactory<A> {
  return (services) => {
    const handler = factory(services);
    return (...args: A) => {
      if (isTrusted()) return handler(...args);
      services.output.info(`${what}: refused, the workspace is not trusted`);
      void vscode.window.showWarningMessage(untrustedMessage(what), MANAGE_TRUST).then((choice) => {
        if (choice === MANAGE_TRUST) void vscode.commands.executeCommand('workbench.trust.manage');
      });
      return undefined;
    };
  };
}
