// The extension loads dockerode from its own bundle (dist/dockerode.js, see scripts/build.mjs):
// that bundle must work without node_modules, its optional native addons left out.
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { root } from './submitFixture';

suite('dist/dockerode.js', () => {
  test('loads on its own (no node_modules around it) and talks to the engine', async () => {
    const built = join(root, 'dist', 'dockerode.js');
    assert.ok(existsSync(built), `${built} is missing: run npm run build first`);
    // As installed from the .vsix: no node_modules anywhere above the file.
    const dir = mkdtempSync(join(tmpdir(), 'dockerode-bundle-'));
    const bundle = join(dir, 'dockerode.js');
    copyFileSync(built, bundle);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Docker: Bundled } = require(bundle) as { Docker: typeof Docker };
    rmSync(dir, { recursive: true, force: true });
    const version = await new Bundled().version();
    assert.match(version.ApiVersion, /^1\.\d+$/);
    const images = await new Bundled().listImages({ filters: { reference: ['local/busybox'] } });
    assert.ok(images.length > 0, 'local/busybox is listed through the bundled client');
  });
});
