import type { CommandFactory } from './runCommand';

export const refreshQueues: CommandFactory = (services) => () => services.queues.refresh();
