// Every command the extension registers. scripts/check-commands.mjs compares this table with
// package.json, so a contributed command without a handler (or the reverse) fails the build.
import { buildAndPushImage } from './buildAndPushImage';
import { copyArn } from './copyArn';
import { createRunConfiguration } from './createRunConfiguration';
import { openQueuesInConsole } from './openQueuesInConsole';
import { openSettings } from './openSettings';
import { refreshQueues } from './refreshQueues';
import { registerJobDefinition } from './registerJobDefinition';
import type { CommandFactory } from './runCommand';
import { selectProfile } from './selectProfile';
import { submitToBatch } from './submitToBatch';

export const commands: Record<string, CommandFactory> = {
  'awsBatch.refreshQueues': refreshQueues,
  'awsBatch.selectProfile': selectProfile,
  'awsBatch.openSettings': openSettings,
  'awsBatch.openQueuesInConsole': openQueuesInConsole,
  'awsBatch.showOutput': (services) => () => services.output.show(),
  'awsBatch.copyArn': copyArn,
  'awsBatch.submit': submitToBatch,
  'awsBatch.buildAndPushImage': buildAndPushImage,
  'awsBatch.registerJobDefinition': registerJobDefinition,
  'awsBatch.createRunConfiguration': createRunConfiguration,
};
