// The layer rules of .dependency-cruiser.cjs (npm run check-layers) catch what they are meant to:
// each case builds a small project with the real rules and one forbidden import.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');
const cruiser = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

function cruise(dir: string): { status: number | null; output: string } {
  const run = spawnSync(
    process.execPath,
    [cruiser, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'],
    {
      cwd: dir,
      encoding: 'utf8',
    },
  );
  return { status: run.status, output: run.stdout + run.stderr };
}

/** A project with the real rules and these files (path → source). */
function check(files: Record<string, string>): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'layers-'));
  try {
    copyFileSync(join(root, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true }, include: ['src'] }));
    for (const [path, source] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), source);
    }
    return cruise(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

suite('layer rules', function () {
  // Each case starts dependency-cruiser (about a second).
  this.timeout(30_000);

  test("the project's own src/ keeps them", () => {
    const result = cruise(root);
    assert.equal(result.status, 0, result.output);
  });

  test('imports that point down pass', () => {
    const result = check({
      'src/shared/errors.ts': 'export const x = 1;\n',
      'src/aws/api.ts': "import { x } from '../shared/errors';\nexport const y = x;\n",
      'src/commands/run.ts': "import { y } from '../aws/api';\nexport const z = y;\n",
      'src/extension.ts': "import { z } from './commands/run';\nexport const w = z;\n",
    });
    assert.equal(result.status, 0, result.output);
  });

  test('src/results importing src/commands fails', () => {
    const result = check({
      'src/commands/pick.ts': 'export const pick = 1;\n',
      'src/results/download.ts': "import { pick } from '../commands/pick';\nexport const d = pick;\n",
    });
    assert.notEqual(result.status, 0);
    assert.match(result.output, /layer-results: src\/results\/download\.ts → src\/commands\/pick\.ts/);
  });

  test('a type-only import of src/commands from src/views fails too', () => {
    const result = check({
      'src/commands/args.ts': 'export interface JobArg { jobId: string }\n',
      'src/views/tree.ts': "import type { JobArg } from '../commands/args';\nexport type Node = JobArg;\n",
    });
    assert.notEqual(result.status, 0);
    assert.match(result.output, /layer-views: src\/views\/tree\.ts → src\/commands\/args\.ts/);
  });

  test('src/runtime importing anything outside itself fails', () => {
    const result = check({
      'src/shared/run.ts': 'export const TAG = "t";\n',
      'src/runtime/main.ts': "import { TAG } from '../shared/run';\nexport const t = TAG;\n",
    });
    assert.notEqual(result.status, 0);
    assert.match(result.output, /layer-runtime: src\/runtime\/main\.ts → src\/shared\/run\.ts/);
  });

  test('vscode below the UI fails', () => {
    const result = check({ 'src/logs/channel.ts': "import * as vscode from 'vscode';\nexport const c = vscode;\n" });
    assert.notEqual(result.status, 0);
    assert.match(result.output, /no-vscode-below-ui: src\/logs\/channel\.ts → vscode/);
  });

  test('a cycle made of type-only imports fails', () => {
    const result = check({
      'src/logs/a.ts': "import type { B } from './b';\nexport interface A { b?: B }\n",
      'src/logs/b.ts': "import type { A } from './a';\nexport interface B { a?: A }\n",
    });
    assert.notEqual(result.status, 0);
    assert.match(result.output, /no-circular/);
  });

  test('a source file outside the layer folders fails', () => {
    const result = check({
      'src/shared/x.ts': 'export const x = 1;\n',
      'src/services.ts': "import { x } from './shared/x';\nexport const s = x;\n",
    });
    assert.notEqual(result.status, 0);
    assert.match(result.output, /no-stray-files: src\/services\.ts/);
  });
});
