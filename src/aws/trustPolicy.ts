// Which AWS services a role's trust policy lets assume the role. ListRoles returns the policy as
// URL-encoded JSON; an unreadable one trusts nothing as far as the wizard is concerned.

interface Statement {
  Effect?: string;
  Action?: string | string[];
  Principal?: string | { Service?: string | string[] };
}

function list<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Actions that let a service principal take the role (sts:AssumeRole, or a wildcard over it). */
function allowsAssume(actions: string[]): boolean {
  return actions.some((action) => ['sts:assumerole', 'sts:*', '*'].includes(action.toLowerCase()));
}

export function trustedServices(document: string | undefined): string[] {
  if (!document) return [];
  let policy: { Statement?: Statement | Statement[] };
  try {
    policy = JSON.parse(document.trimStart().startsWith('{') ? document : decodeURIComponent(document)) as {
      Statement?: Statement | Statement[];
    };
  } catch {
    return [];
  }
  const services = new Set<string>();
  for (const statement of list(policy?.Statement)) {
    if (statement?.Effect !== 'Allow' || !allowsAssume(list(statement.Action))) continue;
    const principal = statement.Principal;
    if (typeof principal !== 'object' || principal === null) continue;
    for (const service of list(principal.Service)) if (typeof service === 'string') services.add(service);
  }
  return [...services].sort();
}
