// What the VSIX holds (`vsce ls`, the same file list `npm run package` packs): the bundles, the Set Up
// template, the icon, screenshots and walkthrough pages the README and package.json name, and no
// developer files (sources, tests, scripts, docs/ but the IAM documents Copy IAM Policy… reads).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

suite('packaging (vsce ls)', function () {
  this.timeout(60_000);
  let files: string[];

  suiteSetup(() => {
    const vsce = join(root, 'node_modules/@vscode/vsce/vsce');
    const run = spawnSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    files = run.stdout
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
  });

  test('the VSIX has what the extension loads and shows', () => {
    for (const file of [
      'package.json',
      'README.md',
      'CHANGELOG.md',
      'LICENSE',
      'resources/batch-setup.yaml',
      'docs/iam/user-policy.json',
      'docs/iam/manager-job-role-policy.json',
      'src/config/aws-batch.schema.json',
      pkg.icon,
    ]) {
      assert.ok(files.includes(file), `${file} is packed`);
    }
    // The walkthrough's pages and the README's local images.
    for (const walkthrough of pkg.contributes.walkthroughs) {
      for (const step of walkthrough.steps) {
        const media = step.media.markdown ?? step.media.image;
        assert.ok(files.includes(media), `${media} (walkthrough step ${step.id}) is packed`);
      }
    }
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const [, image] of readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) {
      if (/^https:\/\//.test(image)) continue;
      assert.ok(files.includes(image), `README image ${image} is packed`);
    }
  });

  test("the walkthrough's command links name contributed commands", () => {
    const commands = new Set(pkg.contributes.commands.map((command: { command: string }) => command.command));
    const views = Object.values(pkg.contributes.views).flat() as { id: string }[];
    for (const view of views) commands.add(`${view.id}.focus`);
    for (const step of pkg.contributes.walkthroughs[0].steps) {
      for (const [, id] of (step.description as string).matchAll(/\(command:([\w.]+)\)/g)) {
        assert.ok(commands.has(id), `${step.id}: ${id}`);
      }
      assert.ok(step.completionEvents.length, `${step.id} completes on an event`);
    }
  });

  test('no developer files', () => {
    const developer = files.filter((file) =>
      /^(src\/(?!config\/aws-batch\.schema\.json$)|test\/|scripts\/|docs\/(?!iam\/[\w-]+\.json$)|bench\/|demo\/|out\/|node_modules\/|\.work\/)|\.map$|\.ts$/.test(
        file,
      ),
    );
    assert.deepEqual(developer, []);
  });

  test('an icon of 128 px, a repository and a package script without --allow-missing-repository', () => {
    const png = readFileSync(join(root, pkg.icon));
    assert.equal(png.readUInt32BE(16), 128, 'width');
    assert.equal(png.readUInt32BE(20), 128, 'height');
    assert.match(pkg.repository.url, /^https:\/\/github\.com\//);
    assert.ok(pkg.bugs.url);
    assert.doesNotMatch(pkg.scripts.package, /allow-missing-repository/);
    assert.ok(existsSync(join(root, 'docs/DEVELOPMENT.md')), 'developer docs live outside the VSIX');
  });
});
