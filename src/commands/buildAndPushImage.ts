// "AWS Batch: Build and Push Image": the image of aws-batch.json, with the runtime layer, in ECR.
import * as vscode from 'vscode';
import type { CommandFactory } from './runCommand';
import { pickFolder, withPipeline } from './submitSupport';

export const buildAndPushImage: CommandFactory = (services) => async (resource?: unknown) => {
  const folder = await pickFolder(resource);
  if (!folder) return undefined;
  const image = await withPipeline(services, {
    title: 'Build and Push Image',
    folder,
    body: (pipeline, loaded) => pipeline.buildAndPush(loaded),
  });
  if (!image) return undefined;
  const copy = 'Copy Image URI';
  void vscode.window
    .showInformationMessage(
      image.pushed ? `Pushed ${image.image}.` : `${image.image} is already in the registry; nothing to push.`,
      copy,
    )
    .then((picked) => (picked === copy ? vscode.env.clipboard.writeText(image.image) : undefined));
  return image;
};
