// The one way an error reaches the user: any error becomes one message in words (describeError),
// with the buttons that fix it, and a line in the "AWS Batch" log. Commands (wrapCommand), the
// Submit pipeline (withPipeline) and the views' polling all report through here.
import * as vscode from 'vscode';
import type { AwsTarget } from '../aws/target';
import { CONFIG_FILE } from '../config/fileName';
import type { Problem } from '../shared/awsProblem';
import { type FileLines, isUserError } from '../shared/errors';
import { COMMANDS } from './ids';

/** What reporting needs of the extension (the Services object has it). */
export interface ReportContext {
  readonly output: vscode.LogOutputChannel;
  readonly target: AwsTarget | undefined;
  explain(error: unknown, action: string): Problem;
  configuredProfile(): string | undefined;
}

export interface ReportOptions {
  /** What was attempted, for the log when the error does not name its action (a command id). */
  action: string;
  /** The operation's title, for "Submit to Batch cancelled." (silent on cancellation without one). */
  title?: string;
  /** A channel that has the details (AWS Batch: Build): the message goes there too, with a Show button. */
  channel?: { appendLine(line: string): void; show(preserveFocus?: boolean): void };
  /** The folder whose aws-batch.json a configuration error is about. */
  folder?: vscode.Uri;
}

interface Fix {
  title: string;
  run: () => unknown;
}

/** Reports any error; resolves when the user has answered the message (callers need not wait). */
export async function reportError(context: ReportContext, error: unknown, options: ReportOptions): Promise<void> {
  const problem = context.explain(error, options.action);
  const line = isUserError(error) ? error.line : undefined;
  const fileLines = isUserError(error) ? error.fileLines : undefined;
  await reportProblem(context, problem, { ...options, line, fileLines });
}

type ProblemOptions = ReportOptions & { line?: number; fileLines?: FileLines };

export async function reportProblem(
  context: ReportContext,
  problem: Problem,
  options: ProblemOptions = { action: 'AWS' },
): Promise<void> {
  if (problem.kind === 'cancelled') {
    context.output.info(problem.detail);
    if (!options.title) return;
    options.channel?.appendLine(`${options.title} cancelled.`);
    await vscode.window.showInformationMessage(`${options.title} cancelled.`);
    return;
  }
  const user = problem.kind === 'user';
  // A missing aws-batch.json is a next step to take, not a failure.
  const warning = problem.userKind === 'configMissing';
  const logged = user && options.title ? `${options.title}: ${problem.message.split('\n')[0]}` : problem.detail;
  if (warning) context.output.warn(problem.message);
  else context.output.error(logged);
  options.channel?.appendLine(`ERROR: ${problem.message}`);
  const fixes = fixesFor(context, problem, options);
  const show = warning ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
  const picked = await show(problem.message, ...fixes.map((fix) => fix.title));
  await fixes.find((fix) => fix.title === picked)?.run();
}

function fixesFor(context: ReportContext, problem: Problem, options: ProblemOptions): Fix[] {
  const profile = context.target?.profile ?? context.configuredProfile() ?? 'default';
  const chooseProfile = {
    title: 'Choose AWS Profile',
    run: () => vscode.commands.executeCommand(COMMANDS.selectProfile),
  };
  const openSettings = { title: 'Open Settings', run: () => vscode.commands.executeCommand(COMMANDS.openSettings) };
  const showLog = { title: 'Show Log', run: () => context.output.show() };
  const channel = options.channel;
  const showChannel = channel ? [{ title: 'Show Build Output', run: () => channel.show(true) }] : [];
  const folder = options.folder;
  switch (problem.kind) {
    case 'user':
      if (problem.userKind === 'configMissing' && folder) {
        const create = () => vscode.commands.executeCommand(COMMANDS.createRunConfiguration, folder);
        return [{ title: 'Create Run Configuration', run: create }];
      }
      // A configuration that does not suit the queue (Fargate) is fixed in the file itself.
      if (problem.userKind === 'config' && folder) {
        const file = vscode.Uri.joinPath(folder, CONFIG_FILE);
        return [{ title: `Open ${CONFIG_FILE}`, run: () => openAt(file, options.line) }, ...showChannel];
      }
      // A failed build: the Dockerfile with the failing instruction selected.
      if (options.fileLines) {
        const { path, line, endLine } = options.fileLines;
        const open = () => openAt(vscode.Uri.file(path), line, endLine);
        return [{ title: 'Open Dockerfile', run: open }, ...(channel ? showChannel : [showLog])];
      }
      return channel ? showChannel : [showLog];
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
      return [showLog];
  }
}

/** Opens the file with the cursor at `line`, or lines `line`..`endLine` selected. */
async function openAt(file: vscode.Uri, line?: number, endLine?: number): Promise<void> {
  const document = await vscode.workspace.openTextDocument(file);
  const first = Math.min(Math.max(0, (line ?? 1) - 1), document.lineCount - 1);
  const start = new vscode.Position(first, 0);
  const last = endLine === undefined ? first : Math.min(Math.max(first, endLine - 1), document.lineCount - 1);
  const end = endLine === undefined ? start : document.lineAt(last).range.end;
  await vscode.window.showTextDocument(document, { selection: new vscode.Range(start, end) });
}

function signIn(profile: string): void {
  const terminal = vscode.window.createTerminal({ name: 'AWS sign-in' });
  terminal.show();
  // Only the profile name goes on the command line; the CLI handles the secrets itself.
  terminal.sendText(`aws sso login --profile ${profile.replace(/[^\w.@-]/g, '')}`);
}
