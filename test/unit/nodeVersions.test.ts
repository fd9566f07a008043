// The Node.js versions the project names must agree: the extension runs on the Node of the oldest
// VS Code in engines.vscode, so its bundle's target, engines.node, @types/node and every bundled
// AWS SDK / Smithy package must allow that Node; the runtime runs on MIN_NODE_MAJOR in the
// containers, so its bundle's target, the default awsBatch.runtimeNodeImage and the stand-ins'
// Node image follow that one. A bump in one place without the others fails here.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_NODE_IMAGE, MIN_NODE_MAJOR } from '../../src/docker/runtimeNode';

const root = resolve(__dirname, '../../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const pkg = JSON.parse(read('package.json'));
const build = read('scripts/build.mjs');

/** Node major of VS Code's extension host, by VS Code minor (1.90: Electron 29; 1.101: Electron 35). */
function nodeOfVsCode(minor: number): number {
  if (minor >= 101) return 22;
  if (minor >= 90) return 20;
  return 18;
}

/** The lowest major a range like ">=20.0.0", "^20.19.4" or ">= 18" allows. */
function lowestMajor(range: string): number {
  const match = /^\s*(?:>=|\^|~)?\s*v?(\d+)/.exec(range);
  assert.ok(match, `cannot read the range "${range}"`);
  return Number(match[1]);
}

function target(name: string): number {
  const match = new RegExp(`const ${name} = 'node(\\d+)'`).exec(build);
  assert.ok(match, `scripts/build.mjs declares ${name}`);
  return Number(match[1]);
}

suite('Node.js versions', () => {
  const vscodeMinor = Number(/^\^1\.(\d+)\./.exec(pkg.engines.vscode)?.[1]);
  const hostNode = nodeOfVsCode(vscodeMinor);

  test('the extension bundle targets the Node of the oldest supported VS Code', () => {
    assert.equal(vscodeMinor, 100, 'engines.vscode (update nodeOfVsCode and docs/DEVELOPMENT.md with it)');
    assert.equal(target('EXTENSION_TARGET'), hostNode);
    assert.equal(lowestMajor(pkg.engines.node), hostNode, 'engines.node');
    assert.equal(lowestMajor(pkg.devDependencies['@types/node']), hostNode, '@types/node: no newer Node API');
    assert.equal(pkg.devDependencies['@types/vscode'], `1.${vscodeMinor}.0`, '@types/vscode: no newer VS Code API');
  });

  test('every installed AWS SDK and Smithy package runs on that Node', () => {
    const tooNew: string[] = [];
    let checked = 0;
    for (const scope of ['@aws-sdk', '@smithy']) {
      for (const name of readdirSync(join(root, 'node_modules', scope))) {
        const manifest = JSON.parse(read(`node_modules/${scope}/${name}/package.json`));
        const range: string | undefined = manifest.engines?.node;
        checked++;
        if (range && lowestMajor(range) > hostNode) tooNew.push(`${scope}/${name}@${manifest.version} (${range})`);
      }
    }
    assert.ok(checked > 20, `found the SDK packages (${checked})`);
    assert.deepEqual(tooNew, [], `need a newer Node than VS Code 1.${vscodeMinor}'s ${hostNode}`);
  });

  test('the runtime bundle, the default Node image and the stand-ins follow MIN_NODE_MAJOR', () => {
    assert.equal(MIN_NODE_MAJOR, 22);
    assert.equal(target('RUNTIME_TARGET'), MIN_NODE_MAJOR);
    const setting = pkg.contributes.configuration.properties['awsBatch.runtimeNodeImage'];
    assert.equal(setting.default, DEFAULT_NODE_IMAGE);
    assert.equal(DEFAULT_NODE_IMAGE, 'node:22-bookworm-slim');
    assert.match(setting.markdownDescription, new RegExp(`Node\\.js ${MIN_NODE_MAJOR} or newer`));
    assert.match(read('scripts/backend.sh'), new RegExp(`^NODE_MAJOR=${MIN_NODE_MAJOR}\\b`, 'm'));
    assert.match(read('README.md'), new RegExp(`\`${DEFAULT_NODE_IMAGE}\``));
  });
});
