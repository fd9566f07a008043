// "AWS Batch: Register Job Definition": the definition for the workspace's current image (built and
// pushed first when it changed), registered only when it differs from the latest active revision.
import * as vscode from 'vscode';
import type { CommandFactory } from './runCommand';
import { pickFolder, withPipeline } from './submitSupport';

export const registerJobDefinition: CommandFactory = (services) => async (resource?: unknown) => {
  const folder = await pickFolder(resource);
  if (!folder) return undefined;
  const result = await withPipeline(services, {
    title: 'Register Job Definition',
    folder,
    body: (pipeline, loaded) => pipeline.register(loaded),
  });
  if (!result) return undefined;
  const { definition } = result;
  const copy = 'Copy ARN';
  void vscode.window
    .showInformationMessage(
      definition.registered
        ? `Registered job definition ${definition.name}:${definition.revision}.`
        : `Job definition ${definition.name}:${definition.revision} is already up to date.`,
      copy,
    )
    .then((picked) => (picked === copy ? vscode.env.clipboard.writeText(definition.arn) : undefined));
  return definition;
};
