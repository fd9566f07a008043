// "AWS Batch: Create Run Configuration": asks a few questions (queues, repositories, buckets and job
// roles come from the account) and writes aws-batch.json.
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { CONFIG_FILE } from '../config/fileName';
import type { Prompter, WorkspaceFacts } from '../config/wizard';
import { UserError, type CommandFactory } from './runCommand';
import { pickFolder } from './submitSupport';

const prompter: Prompter = {
  async pick({ title, placeholder, items }) {
    const picked = await vscode.window.showQuickPick(items, { title, placeHolder: placeholder, ignoreFocusOut: true });
    return picked?.value;
  },
  input({ title, prompt, value, validate }) {
    return Promise.resolve(
      vscode.window.showInputBox({ title, prompt, value, validateInput: validate, ignoreFocusOut: true }),
    );
  },
};

/** The Dockerfile and the program files at the top of the folder (and in src/), for the proposed command. */
async function workspaceFacts(folder: string): Promise<WorkspaceFacts> {
  const dockerfile = await readFile(join(folder, 'Dockerfile'), 'utf8').catch(() => undefined);
  const top = await readdir(folder).catch(() => [] as string[]);
  const src = await readdir(join(folder, 'src')).catch(() => [] as string[]);
  return { dockerfile, files: [...top, ...src.map((name) => `src/${name}`)] };
}

/** The endpoint when the extension talks to a stand-in, not AWS: the containers need it in `environment`. */
async function standInTarget(services: Parameters<CommandFactory>[0]) {
  const target = (await services.aws()).target;
  return target.endpoint ? { endpoint: target.endpoint, region: target.region } : undefined;
}

export const createRunConfiguration: CommandFactory = (services) => async (resource?: unknown) => {
  const folder = await pickFolder(resource);
  if (!folder) return undefined;
  const file = join(folder.uri.fsPath, CONFIG_FILE);
  if (existsSync(file)) {
    const replace = 'Replace It';
    const open = 'Open It';
    const picked = await vscode.window.showWarningMessage(
      `${folder.name} already has ${CONFIG_FILE}.`,
      { modal: true },
      open,
      replace,
    );
    if (picked === open) await vscode.window.showTextDocument(vscode.Uri.file(file));
    if (picked !== replace) return undefined;
  }
  const [{ WizardError, renderConfig, runWizard }, { wizardSources }] = await Promise.all([
    import('../config/wizard'),
    import('../bundles/aws'),
  ]);
  let config: Record<string, unknown> | undefined;
  try {
    const standIn = await standInTarget(services);
    config = await runWizard(
      prompter,
      wizardSources(() => services.aws()),
      folder.name,
      {
        workspace: await workspaceFacts(folder.uri.fsPath),
        standIn,
      },
    );
  } catch (error) {
    if (error instanceof WizardError) throw new UserError(error.message);
    throw error;
  }
  if (!config) return undefined;
  await writeFile(file, renderConfig(config), 'utf8');
  await vscode.window.showTextDocument(vscode.Uri.file(file));
  if (!existsSync(join(folder.uri.fsPath, 'Dockerfile'))) {
    void vscode.window.showInformationMessage(
      `Wrote ${CONFIG_FILE}. Add a Dockerfile to ${folder.name} before submitting (it builds the image the tasks run in).`,
    );
  } else {
    void vscode.window.showInformationMessage(`Wrote ${CONFIG_FILE}. Run "AWS Batch: Submit to Batch" when ready.`);
  }
  return file;
};
