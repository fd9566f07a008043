import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathInside, placeKey } from '../../src/results/pathSafety';

const P = 'runs/r1/';

suite('placeKey', () => {
  test('ordinary keys land under their relative path', () => {
    assert.deepEqual(placeKey(`${P}tasks/3/output.json`, P, 10), {
      kind: 'file',
      relative: 'tasks/3/output.json',
      segments: ['tasks', '3', 'output.json'],
    });
    assert.equal(placeKey(`${P}a..b/c.d`, P, 1).kind, 'file', '".." inside a name is fine');
    assert.equal(placeKey(`${P}résumé ✓.txt`, P, 1).kind, 'file');
  });

  test('folder markers are skipped, not refused', () => {
    assert.deepEqual(placeKey(P, P, 0), { kind: 'folderMarker' });
    assert.deepEqual(placeKey(`${P}tasks/`, P, 0), { kind: 'folderMarker' });
    assert.equal(placeKey(`${P}tasks/`, P, 5).kind, 'refused');
  });

  const refused: [string, RegExp][] = [
    ['../escape.txt', /parent folder/],
    ['tasks/../../escape.txt', /parent folder/],
    ['..', /parent folder/],
    ['/etc/passwd', /absolute/],
    ['//double', /absolute/],
    ['C:/Windows/evil.dll', /drive letter/],
    ['c:evil', /drive letter/],
    ['..\\escape.txt', /backslash/],
    ['tasks\\x', /backslash/],
    ['a//b', /empty path segment/],
    ['a/./b', /current folder/],
    ['nul\u0000byte', /NUL/],
    ['x'.repeat(256), /longer than 255/],
    ['../', /parent folder/],
  ];
  for (const [rest, reason] of refused) {
    test(`refuses ${JSON.stringify(rest)}`, () => {
      const verdict = placeKey(P + rest, P, rest.endsWith('/') ? 0 : 1);
      assert.equal(verdict.kind, 'refused');
      assert.match(verdict.kind === 'refused' ? verdict.reason : '', reason);
    });
  }

  test('on Windows also refuses names Windows cannot hold', () => {
    for (const rest of ['ab:c', 'CON', 'nul.txt', 'com1.log', 'trailing.', 'trailing ', 'q?', 'tab\there']) {
      assert.equal(placeKey(P + rest, P, 1, 'win32').kind, 'refused', rest);
      assert.equal(placeKey(P + rest, P, 1, 'linux').kind, 'file', rest);
    }
  });

  test('keys outside the prefix are refused', () => {
    assert.equal(placeKey('other/x', P, 1).kind, 'refused');
  });
});

suite('pathInside', () => {
  test('joins inside the root and refuses anything that resolves elsewhere', () => {
    assert.equal(pathInside('/tmp/root', ['a', 'b']), join('/tmp/root', 'a', 'b'));
    assert.throws(() => pathInside('/tmp/root', ['..', 'x']), /outside/);
    assert.throws(() => pathInside('/tmp/root', []), /outside/);
    assert.throws(() => pathInside('/tmp/root', ['a', '..', '..', 'b']), /outside/);
  });
});
