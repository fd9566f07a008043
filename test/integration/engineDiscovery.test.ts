// The engine is found as the docker CLI finds it: a context (through DOCKER_CONTEXT and through
// config.json's currentContext) that points at the stand-ins' engine socket is used.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { checkEngine, connectEngine } from '../../src/docker/engine';

const SOCKET = '/var/run/docker.sock';

suite('engine discovery (real engine)', () => {
  let configDir: string;
  suiteSetup(() => {
    configDir = mkdtempSync(join(tmpdir(), 'docker-config-'));
    const dir = join(configDir, 'contexts', 'meta', createHash('sha256').update('standins').digest('hex'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'meta.json'),
      JSON.stringify({ Name: 'standins', Metadata: {}, Endpoints: { docker: { Host: `unix://${SOCKET}` } } }),
    );
  });
  suiteTeardown(() => rmSync(configDir, { recursive: true, force: true }));

  test('DOCKER_CONTEXT names a context whose endpoint is the engine', async () => {
    const docker = connectEngine(Docker, { env: { DOCKER_CONFIG: configDir, DOCKER_CONTEXT: 'standins' } });
    const engine = await checkEngine(docker);
    assert.match(engine.summary, /^Docker \d+\.\d+\S* via context standins$/);
  });

  test('config.json currentContext is used when DOCKER_CONTEXT is unset', async () => {
    writeFileSync(join(configDir, 'config.json'), JSON.stringify({ currentContext: 'standins' }));
    const docker = connectEngine(Docker, { env: { DOCKER_CONFIG: configDir } });
    const engine = await checkEngine(docker);
    assert.match(engine.summary, /via context standins$/);
  });

  test('a context whose socket is not there: "not running" names the address and the context', async () => {
    const dir = join(configDir, 'contexts', 'meta', createHash('sha256').update('gone').digest('hex'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'meta.json'),
      JSON.stringify({ Name: 'gone', Endpoints: { docker: { Host: 'unix:///nonexistent/docker.sock' } } }),
    );
    const docker = connectEngine(Docker, { env: { DOCKER_CONFIG: configDir, DOCKER_CONTEXT: 'gone' } });
    await assert.rejects(checkEngine(docker, undefined, 3000), (error: Error) => {
      assert.match(error.message, /cannot be reached at \/nonexistent\/docker\.sock \(context gone\) \(ENOENT\)/);
      return true;
    });
  });
});
