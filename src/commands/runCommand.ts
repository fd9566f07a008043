// Every command runs through here: it is logged, and a failure becomes one message with its fix
// (src/ui/reportError.ts) instead of a stack trace.
import { reportError } from '../ui/reportError';
import type { Services } from '../ui/services';
import { UserError } from '../shared/errors';

export { UserError } from '../shared/errors';

/** A command's handler; `A` is the argument tuple it takes (see ./args for the node types). */
export type CommandHandler<A extends unknown[] = unknown[]> = (...args: A) => unknown;
export type CommandFactory<A extends unknown[] = unknown[]> = (services: Services) => CommandHandler<A>;

/**
 * A command that works on a tree node. From the palette it gets no argument: it then says where to
 * run it (`where`) instead of running.
 */
export function onNode<N>(
  where: string,
  factory: (services: Services) => (node: N) => unknown,
): CommandFactory<[node?: N]> {
  return (services) => {
    const handler = factory(services);
    return (node?: N) => {
      if (node === undefined || node === null) throw new UserError(where);
      return handler(node);
    };
  };
}

/**
 * The handler VS Code registers: logs the call and reports a failure. VS Code passes whatever the
 * caller (menu, palette, executeCommand) gave; the factory's declared parameter types say what that is.
 */
export function wrapCommand(
  id: string,
  handler: CommandHandler<never[]>,
  services: Services,
): (...args: unknown[]) => Promise<unknown> {
  return async (...args: unknown[]) => {
    services.output.debug(`command ${id}`);
    try {
      return await handler(...(args as never[]));
    } catch (error) {
      // Not awaited: the command settles now, the notification stays until the user answers it.
      void reportError(services, error, { action: id });
      return undefined;
    }
  };
}
