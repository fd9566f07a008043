import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const script = resolve(__dirname, '../../../scripts/check-commands.mjs');

function check(contributes: object, table: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'check-commands-'));
  try {
    mkdirSync(join(dir, 'src/commands'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ contributes }));
    writeFileSync(join(dir, 'src/commands/index.ts'), `export const commands = {\n${table}\n};\n`);
    const run = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
    return { status: run.status, output: run.stdout + run.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

suite('check-commands', () => {
  const views = { awsBatch: [{ id: 'awsBatch.queues' }] };

  test('passes when contributions and registrations match', () => {
    const result = check({ views, commands: [{ command: 'a.one' }] }, "  'a.one': one,");
    assert.equal(result.status, 0, result.output);
  });

  test('fails on a contributed command with no registration', () => {
    const result = check({ views, commands: [{ command: 'a.one' }, { command: 'a.two' }] }, "  'a.one': one,");
    assert.equal(result.status, 1);
    assert.match(result.output, /contributed command a\.two has no registration/);
  });

  test('fails on a registration with no contribution', () => {
    const result = check({ views, commands: [{ command: 'a.one' }] }, "  'a.one': one,\n  'a.extra': extra,");
    assert.equal(result.status, 1);
    assert.match(result.output, /registered command a\.extra is not in contributes\.commands/);
  });

  test('fails on a menu or welcome link naming an unknown command', () => {
    const result = check(
      {
        views,
        commands: [{ command: 'a.one' }],
        menus: { 'view/title': [{ command: 'a.ghost', when: 'view == awsBatch.queues' }] },
        viewsWelcome: [{ view: 'awsBatch.queues', contents: '[Go](command:a.phantom)' }],
      },
      "  'a.one': one,",
    );
    assert.equal(result.status, 1);
    assert.match(result.output, /menu view\/title names unknown command a\.ghost/);
    assert.match(result.output, /links unknown command a\.phantom/);
  });
});
