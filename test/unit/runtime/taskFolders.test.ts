// Task folders handed from one task to the next: emptied in between, except the task's stdout and
// stderr files while they are empty (unlinking and creating them again is what a short task would
// spend its time on).
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskFolders } from '../../../src/runtime/worker/taskFolders';

suite('runtime task folders', () => {
  let root: string;
  setup(() => (root = mkdtempSync(join(tmpdir(), 'task-folders-'))));
  teardown(() => rmSync(root, { recursive: true, force: true }));

  test('a folder comes back empty but for the reusable files that are empty, the same files', () => {
    const folders = new TaskFolders(root, ['stdout.out', 'stderr.out']);
    const dir = folders.take();
    assert.deepEqual(readdirSync(dir), ['output']);
    writeFileSync(join(dir, 'stdout.out'), '');
    writeFileSync(join(dir, 'stderr.out'), 'printed\n');
    writeFileSync(join(dir, 'input.json'), '{}');
    writeFileSync(join(dir, 'output', 'output.json'), '{}');
    mkdirSync(join(dir, 'output', 'deep', 'er'), { recursive: true });
    mkdirSync(join(dir, 'stray'));
    const kept = statSync(join(dir, 'stdout.out')).ino;
    folders.give(dir);
    assert.equal(folders.take(), dir);
    assert.deepEqual(readdirSync(dir).sort(), ['output', 'stdout.out']);
    assert.deepEqual(readdirSync(join(dir, 'output')), []);
    assert.equal(statSync(join(dir, 'stdout.out')).ino, kept);
    assert.equal(statSync(join(dir, 'stdout.out')).size, 0);
  });

  test('without reusable names every file goes', () => {
    const folders = new TaskFolders(root);
    const dir = folders.take();
    writeFileSync(join(dir, 'stdout.out'), '');
    folders.give(dir);
    assert.deepEqual(readdirSync(folders.take()), ['output']);
  });

  test('a folder that cannot be emptied is not handed out again', () => {
    const folders = new TaskFolders(root);
    const dir = folders.take();
    rmSync(dir, { recursive: true });
    folders.give(dir);
    const next = folders.take();
    assert.notEqual(next, dir);
    assert.deepEqual(readdirSync(next), ['output']);
  });

  test('what the worker saw is not looked at again; everything else still is', () => {
    const folders = new TaskFolders(root, ['stdout.out', 'stderr.out']);
    const dir = folders.take();
    writeFileSync(join(dir, 'stdout.out'), '');
    writeFileSync(join(dir, 'stderr.out'), 'printed\n');
    writeFileSync(join(dir, 'input.json'), '{}');
    // Seen empty: stdout.out (read to its end) and the output folder (listed after the task).
    folders.give(dir, { outputEmpty: true, empty: ['stdout.out'] });
    assert.deepEqual(readdirSync(folders.take()).sort(), ['output', 'stdout.out']);
    // A stream not in `empty` is stat'ed as before: one that printed goes.
    writeFileSync(join(dir, 'stdout.out'), 'late\n');
    writeFileSync(join(dir, 'output', 'output.json'), '{}');
    folders.give(dir, { empty: ['stderr.out'] });
    assert.deepEqual(readdirSync(folders.take()), ['output']);
    assert.deepEqual(readdirSync(join(dir, 'output')), [], 'an output folder not seen empty is emptied');
  });
});
