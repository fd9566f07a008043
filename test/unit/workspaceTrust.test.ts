// Untrusted folders and settings scopes (package.json): a cloned repository's .vscode/settings.json
// must not choose where calls, tokens or code go, and Restricted Mode must not build or run its code.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(__dirname, '../../..');
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
const properties: Record<string, { scope?: string }> = pkg.contributes.configuration.properties;

/** Settings that redirect AWS calls, the ECR token or the code the runtime layer takes. */
const REDIRECTING = ['awsBatch.endpointUrl', 'awsBatch.registryHost', 'awsBatch.runtimeNodeImage'];
/** Settings an untrusted folder must not set at all (VS Code then ignores its workspace values). */
const RESTRICTED = [
  ...REDIRECTING,
  'awsBatch.profile',
  'awsBatch.region',
  'awsBatch.download.folder',
  'awsBatch.runs.resultsLocations',
];

suite('workspace trust and setting scopes (package.json)', () => {
  test('untrusted workspaces are supported in a limited way, with a reason', () => {
    const untrusted = pkg.capabilities?.untrustedWorkspaces;
    assert.equal(untrusted?.supported, 'limited');
    assert.match(untrusted.description, /Restricted Mode/);
  });

  test('every setting that redirects calls, tokens or code is restricted in untrusted folders', () => {
    const restricted: string[] = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;
    for (const key of RESTRICTED) {
      assert.ok(key in properties, `${key} is a contributed setting`);
      assert.ok(restricted.includes(key), `${key} is in restrictedConfigurations`);
    }
    for (const key of restricted) assert.ok(key in properties, `${key} (restrictedConfigurations) exists`);
  });

  test('a workspace cannot set registryHost, endpointUrl or runtimeNodeImage at all (machine or application scope)', () => {
    for (const key of REDIRECTING) {
      assert.ok(
        properties[key].scope === 'machine' || properties[key].scope === 'application',
        `${key} has scope ${properties[key].scope ?? '(none: window)'}`,
      );
    }
  });

  test('the commands that build or run the folder’s code are wrapped in requiresTrust', () => {
    const table = readFileSync(resolve(root, 'src/commands/index.ts'), 'utf8');
    for (const name of ['submit', 'runLocally', 'buildAndPushImage', 'registerJobDefinition', 'rerunFailedTasks']) {
      assert.match(table, new RegExp(`\\[COMMANDS\\.${name}\\]: requiresTrust\\(`), `${name} waits for trust`);
    }
  });
});
