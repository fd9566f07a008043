import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const script = resolve(__dirname, '../../../scripts/check-commands.mjs');

/**
 * Runs the check on a project with this package.json `contributes`, this command table body and
 * these COMMANDS (name → id) in src/ui/ids.ts; VIEWS names the one view awsBatch.queues.
 */
function check(
  contributes: object,
  table: string,
  commandIds: Record<string, string>,
  walkthroughKeys: Record<string, string> = {},
): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'check-commands-'));
  const entries = (ids: Record<string, string>) =>
    Object.entries(ids)
      .map(([name, id]) => `  ${name}: '${id}',`)
      .join('\n');
  try {
    mkdirSync(join(dir, 'src/commands'), { recursive: true });
    mkdirSync(join(dir, 'src/ui'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ contributes }));
    writeFileSync(
      join(dir, 'src/ui/ids.ts'),
      `export const COMMANDS = {\n${entries(commandIds)}\n} as const;\n\n` +
        `export const VIEWS = {\n${entries({ queues: 'awsBatch.queues' })}\n} as const;\n\n` +
        `export const WALKTHROUGH_KEYS = {\n${entries(walkthroughKeys)}\n} as const;\n`,
    );
    writeFileSync(
      join(dir, 'src/commands/index.ts'),
      `import { COMMANDS } from '../ui/ids';\n\nexport const commands = {\n${table}\n};\n`,
    );
    const run = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
    return { status: run.status, output: run.stdout + run.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

suite('check-commands', () => {
  const views = { awsBatch: [{ id: 'awsBatch.queues' }] };

  test('passes when contributions and registrations match', () => {
    const result = check({ views, commands: [{ command: 'a.one' }] }, '  [COMMANDS.one]: one,', { one: 'a.one' });
    assert.equal(result.status, 0, result.output);
  });

  test('fails on a contributed command with no registration', () => {
    const result = check({ views, commands: [{ command: 'a.one' }, { command: 'a.two' }] }, '  [COMMANDS.one]: one,', {
      one: 'a.one',
    });
    assert.equal(result.status, 1);
    assert.match(result.output, /contributed command a\.two has no registration/);
  });

  test('fails on a registration with no contribution', () => {
    const result = check(
      { views, commands: [{ command: 'a.one' }] },
      '  [COMMANDS.one]: one,\n  [COMMANDS.extra]: extra,',
      { one: 'a.one', extra: 'a.extra' },
    );
    assert.equal(result.status, 1);
    assert.match(result.output, /registered command a\.extra is not in contributes\.commands/);
  });

  test('fails on an id in COMMANDS that package.json does not contribute', () => {
    const result = check({ views, commands: [{ command: 'a.one' }] }, '  [COMMANDS.one]: one,', {
      one: 'a.one',
      unlisted: 'a.unlisted',
    });
    assert.equal(result.status, 1);
    assert.match(result.output, /COMMANDS\.unlisted \(a\.unlisted\) is not in contributes\.commands/);
  });

  test('fails on a menu or welcome link naming an unknown command', () => {
    const result = check(
      {
        views,
        commands: [{ command: 'a.one' }],
        menus: { 'view/title': [{ command: 'a.ghost', when: 'view == awsBatch.queues' }] },
        viewsWelcome: [{ view: 'awsBatch.queues', contents: '[Go](command:a.phantom)' }],
      },
      '  [COMMANDS.one]: one,',
      { one: 'a.one' },
    );
    assert.equal(result.status, 1);
    assert.match(result.output, /menu view\/title names unknown command a\.ghost/);
    assert.match(result.output, /links unknown command a\.phantom/);
  });

  test('a walkthrough step completes on its WALKTHROUGH_KEYS context key only', () => {
    const walkthrough = (events: string[]) => ({
      views,
      commands: [{ command: 'a.one' }],
      walkthroughs: [{ id: 'w', steps: [{ id: 'submit', completionEvents: events }] }],
    });
    const keys = { submit: 'a.walkthrough.runSubmitted' };
    const ok = check(
      walkthrough(['onContext:a.walkthrough.runSubmitted']),
      '  [COMMANDS.one]: one,',
      { one: 'a.one' },
      keys,
    );
    assert.equal(ok.status, 0, ok.output);
    const onCommand = check(walkthrough(['onCommand:a.one']), '  [COMMANDS.one]: one,', { one: 'a.one' }, keys);
    assert.equal(onCommand.status, 1);
    assert.match(
      onCommand.output,
      /walkthrough step submit must complete on onContext:a\.walkthrough\.runSubmitted only/,
    );
    const unnamed = check(walkthrough(['onContext:x']), '  [COMMANDS.one]: one,', { one: 'a.one' });
    assert.match(unnamed.output, /walkthrough step submit has no entry in WALKTHROUGH_KEYS/);
  });
});
