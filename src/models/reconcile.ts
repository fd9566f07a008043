// Merges a freshly built tree into the one the view already shows. Existing node objects are
// updated in place, so VS Code keeps their expansion and selection; only nodes whose own fields or
// whose list of children changed are reported. No vscode import.

export interface TreeNode {
  readonly id: string;
  children?: TreeNode[];
}

export interface Reconciled<T> {
  nodes: T[];
  /** The ids or their order differ: the parent (or the whole view) must be re-rendered. */
  listChanged: boolean;
}

export function reconcile<T extends TreeNode>(
  previous: readonly T[],
  next: readonly T[],
  changed: TreeNode[],
): Reconciled<T> {
  const byId = new Map(previous.map((node) => [node.id, node]));
  const nodes = next.map((node) => {
    const old = byId.get(node.id);
    if (!old) return node;
    let childrenChanged = false;
    if (node.children !== undefined || old.children !== undefined) {
      const merged = reconcile(old.children ?? [], node.children ?? [], changed);
      node.children = node.children === undefined ? undefined : merged.nodes;
      childrenChanged = merged.listChanged || (node.children === undefined) !== (old.children === undefined);
    }
    const fieldsChanged = !sameFields(old, node);
    Object.assign(old, node);
    if (fieldsChanged || childrenChanged) changed.push(old);
    return old;
  });
  const listChanged = nodes.length !== previous.length || nodes.some((node, i) => node !== previous[i]);
  return { nodes, listChanged };
}

function sameFields(a: object, b: object): boolean {
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  keys.delete('children');
  for (const key of keys) if (!sameValue(left[key], right[key])) return false;
  return true;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // Small plain values such as tag maps or status lists compare by content.
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    return JSON.stringify(a) === JSON.stringify(b);
  }
  return false;
}
