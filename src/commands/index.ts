// Every command the extension registers. scripts/check-commands.mjs compares this table with
// package.json, so a contributed command without a handler (or the reverse) fails the build.
import { copyArn } from './copyArn';
import { openQueuesInConsole } from './openQueuesInConsole';
import { openSettings } from './openSettings';
import { refreshQueues } from './refreshQueues';
import type { CommandFactory } from './runCommand';
import { selectProfile } from './selectProfile';

export const commands: Record<string, CommandFactory> = {
  'awsBatch.refreshQueues': refreshQueues,
  'awsBatch.selectProfile': selectProfile,
  'awsBatch.openSettings': openSettings,
  'awsBatch.openQueuesInConsole': openQueuesInConsole,
  'awsBatch.showOutput': (services) => () => services.output.show(),
  'awsBatch.copyArn': copyArn,
};
