import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathInside, placeKey, type RefusalKind } from '../../src/results/pathSafety';
import { refusalSummary } from '../../src/results/refusals';

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

  test('names that merely start with ".." are ordinary names', () => {
    for (const rest of [
      '..foo',
      '..%2fx',
      '...',
      '..foo/bar',
      'a/..b',
      'tasks/..hidden/x.json',
      '.hidden',
      '..\u00e9',
    ]) {
      const verdict = placeKey(P + rest, P, 1);
      assert.equal(verdict.kind, 'file', `${rest}: ${verdict.kind === 'refused' ? verdict.reason : ''}`);
      assert.deepEqual(verdict.kind === 'file' && verdict.segments, rest.split('/'));
    }
  });

  test('a name of up to 255 bytes is fine; 256 is too long, counted in bytes, not characters', () => {
    for (const n of [251, 252, 253, 254, 255])
      assert.equal(placeKey(`${P}d/${'x'.repeat(n)}`, P, 1).kind, 'file', `${n}`);
    assert.equal(placeKey(`${P}${'é'.repeat(127)}x`, P, 1).kind, 'file', '255 bytes in 128 characters');
    const long = placeKey(`${P}${'é'.repeat(128)}`, P, 1);
    assert.deepEqual(long.kind === 'refused' && [long.refusal, long.reason], [
      'tooLong',
      'a name of 256 bytes, longer than 255',
    ]);
  });

  // Each refusal with its true reason: the kind, and words that say it.
  const refused: [string, RefusalKind, RegExp][] = [
    ['../escape.txt', 'parentSegment', /parent folder segment/],
    ['tasks/../../escape.txt', 'parentSegment', /parent folder segment/],
    ['..', 'parentSegment', /parent folder segment/],
    ['../', 'parentSegment', /parent folder segment/],
    ['a/..', 'parentSegment', /parent folder segment/],
    ['/etc/passwd', 'absolute', /absolute path/],
    ['//double', 'absolute', /absolute path/],
    ['C:/Windows/evil.dll', 'driveLetter', /drive letter/],
    ['c:evil', 'driveLetter', /drive letter/],
    ['..\\escape.txt', 'backslash', /backslash/],
    ['tasks\\x', 'backslash', /backslash/],
    ['a//b', 'emptySegment', /empty path segment/],
    ['a/b//', 'emptySegment', /empty path segment/],
    ['a/./b', 'currentSegment', /current folder/],
    ['nul\u0000byte', 'nul', /NUL/],
    ['x'.repeat(256), 'tooLong', /longer than 255/],
    ['ok/'.repeat(3) + 'y'.repeat(300) + '/z', 'tooLong', /300 bytes/],
  ];
  for (const [rest, kind, reason] of refused) {
    test(`refuses ${JSON.stringify(rest.length > 40 ? `${rest.slice(0, 37)}...` : rest)} as ${kind}`, () => {
      const verdict = placeKey(P + rest, P, rest.endsWith('/') ? 0 : 1);
      assert.equal(verdict.kind, 'refused');
      assert.equal(verdict.kind === 'refused' && verdict.refusal, kind);
      assert.match(verdict.kind === 'refused' ? verdict.reason : '', reason);
      if (kind !== 'parentSegment') assert.doesNotMatch(verdict.kind === 'refused' ? verdict.reason : '', /outside/);
    });
  }

  test('on Windows also refuses names Windows cannot hold', () => {
    for (const rest of ['ab:c', 'CON', 'nul.txt', 'com1.log', 'trailing.', 'trailing ', 'q?', 'tab\there']) {
      assert.equal(placeKey(P + rest, P, 1, 'win32').kind, 'refused', rest);
      assert.equal(placeKey(P + rest, P, 1, 'linux').kind, 'file', rest);
    }
  });

  test('keys outside the prefix, and folder markers with content, are refused as such', () => {
    const other = placeKey('other/x', P, 1);
    assert.equal(other.kind === 'refused' && other.refusal, 'outsidePrefix');
    const marker = placeKey(`${P}tasks/`, P, 5);
    assert.equal(marker.kind === 'refused' && marker.refusal, 'markerWithContent');
    const windows = placeKey(`${P}CON`, P, 1, 'win32');
    assert.equal(windows.kind === 'refused' && windows.refusal, 'windowsName');
  });
});

suite('pathInside', () => {
  test('joins inside the root and refuses anything that resolves elsewhere', () => {
    assert.equal(pathInside('/tmp/root', ['a', 'b']), join('/tmp/root', 'a', 'b'));
    assert.throws(() => pathInside('/tmp/root', ['..', 'x']), /outside/);
    assert.throws(() => pathInside('/tmp/root', []), /outside/);
    assert.throws(() => pathInside('/tmp/root', ['a', '..', '..', 'b']), /outside/);
    assert.throws(() => pathInside('/tmp/root', ['a', '..']), /outside/, 'the root itself is not a file');
  });

  test('names that start with ".." stay inside', () => {
    assert.equal(pathInside('/tmp/root', ['..foo']), join('/tmp/root', '..foo'));
    assert.equal(pathInside('/tmp/root', ['..', 'root', '..x']), join('/tmp/root', '..x'));
    assert.equal(pathInside('/tmp/root', ['..%2fx', '..bar']), join('/tmp/root', '..%2fx', '..bar'));
  });
});

suite('refusalSummary', () => {
  const of = (...kinds: RefusalKind[]) => kinds.map((refusal) => ({ refusal }));

  test('nothing refused: no sentence', () => {
    assert.equal(refusalSummary([]), '');
  });

  test('one kind: said once, in its own words', () => {
    assert.equal(refusalSummary(of('tooLong')), '1 key refused with a name longer than 255 bytes.');
    assert.equal(
      refusalSummary(of('parentSegment', 'parentSegment')),
      '2 keys refused with a ".." segment, which would land outside the folder.',
    );
    assert.equal(refusalSummary(of('absolute')), '1 key refused with an absolute path.');
    assert.equal(refusalSummary(of('driveLetter')), '1 key refused starting with a drive letter.');
    assert.equal(refusalSummary(of('emptySegment')), '1 key refused with an empty segment ("//").');
  });

  test('several kinds: each counted and worded, the most frequent first; only ".." lands outside', () => {
    const text = refusalSummary(of('tooLong', 'parentSegment', 'absolute', 'tooLong', 'driveLetter', 'emptySegment'));
    assert.equal(
      text,
      '6 keys refused: 2 with a name longer than 255 bytes; 1 with a ".." segment, which would land outside the folder; ' +
        '1 with an absolute path; 1 starting with a drive letter; 1 with an empty segment ("//").',
    );
    assert.equal(text.match(/outside/g)?.length, 1);
  });

  test('every kind has words of its own', () => {
    const kinds: RefusalKind[] = [
      'outsidePrefix',
      'markerWithContent',
      'nul',
      'absolute',
      'driveLetter',
      'backslash',
      'emptySegment',
      'parentSegment',
      'currentSegment',
      'tooLong',
      'windowsName',
      'outside',
    ];
    const words = kinds.map((kind) => refusalSummary(of(kind)));
    assert.equal(new Set(words).size, kinds.length);
  });
});
