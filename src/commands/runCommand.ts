// Every command runs through here: it is logged, and a failure becomes one message with its fix
// (src/ui/reportError.ts) instead of a stack trace.
import { reportError } from '../ui/reportError';
import type { Services } from '../ui/services';

export { UserError } from '../shared/errors';

export type CommandHandler = (...args: unknown[]) => unknown;
export type CommandFactory = (services: Services) => CommandHandler;

export function wrapCommand(id: string, handler: CommandHandler, services: Services): CommandHandler {
  return async (...args: unknown[]) => {
    services.output.debug(`command ${id}`);
    try {
      return await handler(...args);
    } catch (error) {
      // Not awaited: the command settles now, the notification stays until the user answers it.
      void reportError(services, error, { action: id });
      return undefined;
    }
  };
}
