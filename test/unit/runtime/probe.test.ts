// `runtime.js probe` (src/runtime/probe.ts): Submit reads which Node.js the user's image has on its
// PATH from it, in one container (registryRuntimeLayer.ts). Run here against this machine's node.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeReport } from '../../../src/runtime/probe';
import { VERSION } from '../../../src/runtime/version';

suite('runtime probe', () => {
  const saved = process.env.PATH;
  const dir = mkdtempSync(join(tmpdir(), 'probe-path-'));
  teardown(() => {
    process.env.PATH = saved;
  });
  suiteTeardown(() => rmSync(dir, { recursive: true, force: true }));

  test('names the node on PATH by its full version', () => {
    symlinkSync(process.execPath, join(dir, 'node'));
    process.env.PATH = dir;
    assert.equal(probeReport(), `aws-batch-runner runtime ${VERSION}\nnode on PATH: ${process.versions.node}\n`);
  });

  test('"none" when PATH has no node (the bundled one is not on it)', () => {
    process.env.PATH = join(dir, 'empty');
    assert.match(probeReport(), /\nnode on PATH: none\n$/);
  });
});
