// Shows an AWS problem once, in words, with the button that fixes it.
import * as vscode from 'vscode';
import type { AwsProblem } from '../aws/errors';
import type { Services } from '../services';

interface Fix {
  title: string;
  run: () => unknown;
}

function fixesFor(problem: AwsProblem, services: Services): Fix[] {
  const profile = services.target?.profile ?? services.settings().profile ?? 'default';
  const chooseProfile = {
    title: 'Choose AWS Profile',
    run: () => vscode.commands.executeCommand('awsBatch.selectProfile'),
  };
  const openSettings = { title: 'Open Settings', run: () => vscode.commands.executeCommand('awsBatch.openSettings') };
  switch (problem.kind) {
    case 'ssoExpired':
    case 'credentialsExpired':
      return [{ title: 'Sign In Again', run: () => signIn(profile) }, chooseProfile];
    case 'noCredentials':
    case 'credentialsRejected':
    case 'profile':
    case 'accessDenied':
      return [chooseProfile, openSettings];
    case 'region':
    case 'endpoint':
      return [openSettings];
    default:
      return [{ title: 'Show Log', run: () => services.output.show() }];
  }
}

function signIn(profile: string): void {
  const terminal = vscode.window.createTerminal({ name: 'AWS sign-in' });
  terminal.show();
  // Only the profile name goes on the command line; the CLI handles the secrets itself.
  terminal.sendText(`aws sso login --profile ${profile.replace(/[^\w.@-]/g, '')}`);
}

export async function reportProblem(problem: AwsProblem, services: Services): Promise<void> {
  services.output.error(problem.detail);
  const fixes = fixesFor(problem, services);
  const picked = await vscode.window.showErrorMessage(problem.message, ...fixes.map((fix) => fix.title));
  await fixes.find((fix) => fix.title === picked)?.run();
}
