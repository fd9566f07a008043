import * as assert from 'node:assert/strict';
import { reconcile, TreeNode } from '../../src/models/reconcile';

interface N extends TreeNode {
  value: number;
  tags?: Record<string, string>;
  children?: N[];
}

suite('reconcile', () => {
  test('keeps identity, reports changed fields and changed child lists only', () => {
    const a: N = { id: 'a', value: 1, children: [{ id: 'a1', value: 1 }] };
    const b: N = { id: 'b', value: 1, tags: { k: 'v' } };
    const changed: TreeNode[] = [];
    const first = reconcile(
      [a, b],
      [
        { id: 'a', value: 1, children: [{ id: 'a1', value: 2 }] },
        { id: 'b', value: 1, tags: { k: 'v' } },
      ],
      changed,
    );
    assert.equal(first.listChanged, false);
    assert.equal(first.nodes[0], a);
    assert.equal(first.nodes[0].children?.[0].value, 2);
    assert.deepEqual(
      changed.map((n) => n.id),
      ['a1'],
      'equal tag maps are not a change',
    );

    changed.length = 0;
    const second = reconcile(
      first.nodes,
      [
        { id: 'a', value: 1, children: [] },
        { id: 'b', value: 1, tags: { k: 'w' } },
      ],
      changed,
    );
    assert.deepEqual(
      changed.map((n) => n.id),
      ['a', 'b'],
    );
    assert.equal(second.listChanged, false);

    const third = reconcile(second.nodes, [{ id: 'b', value: 1 }], []);
    assert.equal(third.listChanged, true);
  });
});
