// Every command runs through here: it is logged, and a failure becomes a message with a fix
// instead of a stack trace.
import type { Services } from '../services';
import { reportProblem } from './reportProblem';
import { UserError } from './userError';

export { UserError };

export type CommandHandler = (...args: unknown[]) => unknown;
export type CommandFactory = (services: Services) => CommandHandler;

export function wrapCommand(id: string, handler: CommandHandler, services: Services): CommandHandler {
  return async (...args: unknown[]) => {
    services.output.debug(`command ${id}`);
    try {
      return await handler(...args);
    } catch (error) {
      const problem =
        error instanceof UserError
          ? { kind: 'invalidRequest' as const, message: error.message, detail: `${id}: ${error.message}` }
          : services.explain(error, id);
      // Not awaited: the command settles now, the notification stays until the user answers it.
      void reportProblem(problem, services);
      return undefined;
    }
  };
}
