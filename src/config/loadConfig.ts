// Reads aws-batch.json from a workspace folder and resolves the paths in it. No vscode.
import { UserError } from '../shared/errors';
import { readFile, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { CONFIG_FILE, ConfigError, RunConfig, parseInputsFile, parseRunConfig } from './runConfig';

export class ConfigMissingError extends UserError {
  override name = 'ConfigMissingError';
  constructor(readonly file: string) {
    super(
      `There is no ${CONFIG_FILE} in ${dirnameOf(file)}. Run "AWS Batch: Create Run Configuration" to write one.`,
      'configMissing',
    );
  }
}

function dirnameOf(file: string): string {
  return resolve(file, '..');
}

export interface LoadedConfig {
  config: RunConfig;
  /** The workspace folder holding aws-batch.json. */
  folder: string;
  file: string;
  /** Absolute paths. */
  contextDir: string;
  dockerfilePath: string;
  /** The task inputs, from tasks.inputs or tasks.inputsFile; undefined for count and cluster runs. */
  inputs?: unknown[];
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** Loads and checks the configuration; every problem is a ConfigError (or ConfigMissingError) naming the fix. */
export async function loadRunConfig(
  folder: string,
  options: { requireDockerfile?: boolean } = {},
): Promise<LoadedConfig> {
  const file = join(folder, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ConfigMissingError(file);
    throw new ConfigError(`cannot be read (${(error as Error).message}).`);
  }
  const config = parseRunConfig(text, basename(folder));
  const contextDir = resolve(folder, config.context);
  const dockerfilePath = resolve(folder, config.dockerfile);
  if (!(await isDirectory(contextDir))) {
    throw new ConfigError(
      `"context" is ${config.context}, but ${contextDir} is not a folder. Set "context" to the build folder, relative to ${folder}.`,
      'context',
    );
  }
  if (options.requireDockerfile !== false && !(await isFile(dockerfilePath))) {
    const shown = isAbsolute(config.dockerfile)
      ? dockerfilePath
      : relative(folder, dockerfilePath) || config.dockerfile;
    throw new ConfigError(
      `there is no Dockerfile at ${shown}. Create one (for example "FROM python:3.12-slim" and "COPY . /app"), or set "dockerfile" to its path relative to the workspace folder.`,
      'dockerfile',
    );
  }
  let inputs = config.tasks?.inputs;
  if (config.tasks?.inputsFile !== undefined) {
    const path = resolve(folder, config.tasks.inputsFile);
    let body: string;
    try {
      body = await readFile(path, 'utf8');
    } catch {
      throw new ConfigError(
        `"tasks.inputsFile" names ${config.tasks.inputsFile}, which cannot be read. Create it (one JSON value per line) or fix the path.`,
        'tasks.inputsFile',
      );
    }
    inputs = parseInputsFile(body, config.tasks.inputsFile);
  }
  return { config, folder, file, contextDir, dockerfilePath, inputs };
}
