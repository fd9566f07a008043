// config.json credentials for the build's pulls: auths, credsStore and credHelpers (a fake
// docker-credential-* helper script on PATH), FROM lines, and the words for a denied pull.
import * as assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  DOCKER_HUB,
  DockerCredentials,
  baseImages,
  deniedPullHint,
  normalizeRegistry,
  registryOf,
} from '../../src/docker/credentials';

suite('docker credentials', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'docker-creds-'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    // A helper as docker-credential-* are: the server URL on stdin, JSON on stdout, exit 1 when unknown.
    for (const name of ['store', 'ghcr']) {
      const script = join(bin, `docker-credential-${name}`);
      writeFileSync(
        script,
        `#!/bin/sh
read -r server
echo "$0 $1 $server" >> "${join(dir, 'calls.log')}"
case "$server" in
  git.example.com|https://git.example.com) echo '{"ServerURL":"git.example.com","Username":"${name}-user","Secret":"${name}-secret"}' ;;
  ghcr.io) echo '{"ServerURL":"ghcr.io","Username":"${name}-user","Secret":"${name}-pat"}' ;;
  token.example.com) echo '{"ServerURL":"token.example.com","Username":"<token>","Secret":"refresh-token"}' ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`,
      );
      chmodSync(script, 0o755);
    }
    env = { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, DOCKER_CONFIG: join(dir, 'config') };
    mkdirSync(join(dir, 'config'));
  });
  teardown(() => rmSync(dir, { recursive: true, force: true }));

  const writeConfig = (config: object) => writeFileSync(join(dir, 'config', 'config.json'), JSON.stringify(config));

  test('auths: base64 auth, username/password, identity tokens; Docker Hub under its config key', async () => {
    writeConfig({
      auths: {
        'https://index.docker.io/v1/': { auth: Buffer.from('hubuser:hub:pass').toString('base64') },
        'https://registry.example.com/v2/': { username: 'u', password: 'p' },
        'oauth.example.com': { identitytoken: 'idt' },
      },
    });
    const credentials = DockerCredentials.load(env);
    assert.deepEqual(await credentials.forRegistry('docker.io'), {
      username: 'hubuser',
      password: 'hub:pass',
      serveraddress: 'https://index.docker.io/v1/',
    });
    assert.equal((await credentials.forRegistry('registry.example.com'))?.password, 'p');
    assert.equal((await credentials.forRegistry('oauth.example.com'))?.identitytoken, 'idt');
    assert.equal(await credentials.forRegistry('other.example.com'), undefined);
    const config = await credentials.registryConfig(['docker.io', 'registry.example.com', 'nowhere.example.com']);
    assert.deepEqual(Object.keys(config).sort(), [DOCKER_HUB, 'registry.example.com']);
  });

  test('credHelpers per registry, credsStore for the others (helpers on PATH, asked only for what a build needs)', async () => {
    writeConfig({
      credsStore: 'store',
      credHelpers: { 'ghcr.io': 'ghcr' },
      auths: { 'plain.example.com': { auth: Buffer.from('a:b').toString('base64') } },
    });
    const credentials = DockerCredentials.load(env);
    assert.deepEqual(await credentials.forRegistry('ghcr.io'), {
      username: 'ghcr-user',
      password: 'ghcr-pat',
      serveraddress: 'ghcr.io',
    });
    assert.equal((await credentials.forRegistry('git.example.com'))?.password, 'store-secret');
    assert.equal((await credentials.forRegistry('token.example.com'))?.identitytoken, 'refresh-token');
    // Not in the store: the auths entry still answers, as the CLI falls back to the file.
    assert.equal((await credentials.forRegistry('plain.example.com'))?.username, 'a');
    assert.equal(await credentials.forRegistry('unknown.example.com'), undefined);
    await credentials.forRegistry('ghcr.io'); // remembered: the helper is not asked twice
    const calls = readFileSync(join(dir, 'calls.log'), 'utf8');
    assert.equal(calls.split('\n').filter((line) => /credential-ghcr get ghcr\.io$/.test(line)).length, 1);
    assert.deepEqual(credentials.problems, []);
  });

  test('a helper that is missing is a problem in words, not a failed build', async () => {
    writeConfig({ credHelpers: { 'ecr.example.com': 'missing-helper' } });
    const credentials = DockerCredentials.load(env);
    assert.equal(await credentials.forRegistry('ecr.example.com'), undefined);
    assert.match(credentials.problems[0], /^The Docker credential helper for ecr\.example\.com failed: /);
  });

  test('no config.json: no credentials', async () => {
    const credentials = DockerCredentials.load(env);
    assert.ok(credentials.empty);
    assert.equal(await credentials.forRegistry('docker.io'), undefined);
  });

  test('FROM lines: registries, ARG defaults and build args, stage names and scratch left out', () => {
    const dockerfile = [
      'ARG BASE=127.0.0.1:5000/private/base:1',
      'ARG TAG',
      'FROM --platform=linux/amd64 ${BASE} AS build',
      'RUN make',
      'FROM ghcr.io/org/runtime:${TAG:-latest}',
      'COPY --from=build /out /out',
      'FROM build AS again',
      'FROM scratch',
      'FROM node:20',
    ].join('\n');
    assert.deepEqual(baseImages(dockerfile, { TAG: '3' }), [
      '127.0.0.1:5000/private/base:1',
      'ghcr.io/org/runtime:3',
      'node:20',
    ]);
    assert.deepEqual(baseImages(dockerfile).map(registryOf), ['127.0.0.1:5000', 'ghcr.io', 'docker.io']);
    assert.equal(registryOf('localhost/x'), 'localhost');
    assert.equal(registryOf('library/debian'), 'docker.io');
    assert.equal(normalizeRegistry('https://index.docker.io/v1/'), 'docker.io');
  });

  test('a denied pull names the registry and the fix', () => {
    const hint = deniedPullHint(
      'failed to solve: 127.0.0.1:5000/private/base:1: unexpected status: 401 Unauthorized',
      ['docker.io', '127.0.0.1:5000'],
      '/home/me/.docker/config.json',
    );
    assert.match(
      hint ?? '',
      /^The registry 127\.0\.0\.1:5000 refused .*"docker login 127\.0\.0\.1:5000".*\/home\/me\/\.docker\/config\.json/,
    );
    assert.equal(deniedPullHint('exit code: 2', ['docker.io'], 'x'), undefined);
  });
});
