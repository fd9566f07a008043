// Finding the engine as the docker CLI does, with temp config folders and a fake file system.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import DockerClient from 'dockerode';
import { discoverEngine, parseDockerHost } from '../../src/docker/discovery';
import { connectEngine, engineUnavailable, remoteEngine } from '../../src/docker/engine';
import { SubmitError } from '../../src/shared/errors';

function writeContext(configDir: string, name: string, host: string): void {
  const dir = join(configDir, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'meta.json'),
    JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }),
  );
}

suite('engine discovery', () => {
  let home: string;
  let configDir: string;
  setup(() => {
    home = mkdtempSync(join(tmpdir(), 'discovery-'));
    configDir = join(home, '.docker');
    mkdirSync(configDir, { recursive: true });
  });
  teardown(() => rmSync(home, { recursive: true, force: true }));

  const none = () => false;

  test('DOCKER_HOST wins over contexts', () => {
    writeContext(configDir, 'colima', 'unix:///colima.sock');
    writeFileSync(join(configDir, 'config.json'), JSON.stringify({ currentContext: 'colima' }));
    const found = discoverEngine({ env: { DOCKER_HOST: 'tcp://10.0.0.5:2375' }, home, exists: none });
    assert.deepEqual(found.options, { protocol: 'http', host: '10.0.0.5', port: '2375' });
    assert.equal(found.via, 'DOCKER_HOST');
  });

  test('DOCKER_CONTEXT, then currentContext of config.json (meta.json endpoint by the sha256 of the name)', () => {
    writeContext(configDir, 'colima', 'unix:///home/me/.colima/default/docker.sock');
    writeContext(configDir, 'remote', 'ssh://me@build-box:2222');
    writeFileSync(join(configDir, 'config.json'), JSON.stringify({ currentContext: 'colima' }));
    const current = discoverEngine({ env: {}, home, exists: none });
    assert.deepEqual(current.options, { socketPath: '/home/me/.colima/default/docker.sock' });
    assert.equal(current.via, 'context colima');
    const env = discoverEngine({ env: { DOCKER_CONTEXT: 'remote', SSH_AUTH_SOCK: '/agent' }, home, exists: none });
    assert.deepEqual(env.options, {
      protocol: 'ssh',
      host: 'build-box',
      port: '2222',
      username: 'me',
      sshOptions: { agent: '/agent' },
    });
    assert.equal(env.via, 'context remote');
    assert.equal(env.address, 'ssh://me@build-box');
  });

  test('DOCKER_CONFIG moves the config folder; the "default" context means the default socket', () => {
    const other = join(home, 'elsewhere');
    writeContext(other, 'podman', 'unix:///run/podman.sock');
    writeFileSync(join(configDir, 'config.json'), JSON.stringify({ currentContext: 'podman' }));
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 'config.json'), JSON.stringify({ currentContext: 'podman' }));
    const found = discoverEngine({ env: { DOCKER_CONFIG: other }, home, exists: none });
    assert.equal(found.options.socketPath, '/run/podman.sock');
    const dflt = discoverEngine({
      env: { DOCKER_CONTEXT: 'default' },
      home,
      exists: (p) => p === '/var/run/docker.sock',
    });
    assert.deepEqual(dflt.options, { socketPath: '/var/run/docker.sock' });
    assert.equal(dflt.via, 'the default socket /var/run/docker.sock');
  });

  test('a context that does not exist is an error naming it, as the CLI does', () => {
    assert.throws(
      () => discoverEngine({ env: { DOCKER_CONTEXT: 'gone' }, home, exists: none }),
      /DOCKER_CONTEXT selects the Docker context "gone" does not exist.*docker context ls/,
    );
  });

  test('no configuration: the first default socket that exists (Docker Desktop, rootless), else the system one', () => {
    const desktop = join(home, '.docker', 'run', 'docker.sock');
    const found = discoverEngine({ env: {}, home, platform: 'linux', exists: (p) => p === desktop });
    assert.equal(found.options.socketPath, desktop);
    const rootless = discoverEngine({
      env: { XDG_RUNTIME_DIR: '/run/user/1000' },
      home,
      platform: 'linux',
      exists: (p) => p === '/run/user/1000/docker.sock',
    });
    assert.equal(rootless.options.socketPath, '/run/user/1000/docker.sock');
    const nothing = discoverEngine({ env: {}, home, platform: 'linux', exists: none });
    assert.equal(nothing.options.socketPath, '/var/run/docker.sock');
    assert.ok(nothing.tried.includes('DOCKER_HOST is not set'));
    assert.ok(nothing.tried.some((line) => /^none of the sockets \/var\/run\/docker\.sock, /.test(line)));
    const windows = discoverEngine({ env: {}, home, platform: 'win32', exists: none });
    assert.equal(windows.options.socketPath, '//./pipe/docker_engine');
  });

  test('the awsBatch.docker.host setting overrides everything', () => {
    const found = discoverEngine({
      env: { DOCKER_HOST: 'tcp://a:1' },
      home,
      exists: none,
      hostSetting: 'unix:///x.sock',
    });
    assert.deepEqual(found.options, { socketPath: '/x.sock' });
    assert.equal(found.via, 'the setting awsBatch.docker.host');
  });

  test('host addresses: unix, npipe, tcp, tls port, ssh, bare host:port', () => {
    assert.deepEqual(parseDockerHost('npipe:////./pipe/docker_engine'), { socketPath: '//./pipe/docker_engine' });
    assert.deepEqual(parseDockerHost('tcp://h:2376'), { protocol: 'https', host: 'h', port: '2376' });
    assert.deepEqual(parseDockerHost('h:2375'), { protocol: 'http', host: 'h', port: '2375' });
    assert.throws(() => parseDockerHost('ftp://h'), /unsupported scheme ftp/);
  });

  test('"not running" names the address and what was tried, in words (never a function\'s source)', () => {
    class FakeDocker {
      modem: object;
      constructor(options: object) {
        this.modem = options;
      }
    }
    const docker = connectEngine(FakeDocker as unknown as new () => Docker, {
      env: {},
      home,
      platform: 'linux',
      exists: none,
    });
    const message = engineUnavailable(docker, { code: 'ENOENT' }).message;
    assert.match(
      message,
      /^Docker is not running or cannot be reached at \/var\/run\/docker\.sock \(the default socket/,
    );
    assert.match(message, /DOCKER_HOST is not set; DOCKER_CONTEXT is not set; no Docker context is selected/);
    assert.doesNotMatch(message, /function|=>|return/);
    // A plain dockerode client whose modem holds docker-modem's socket-finding function.
    const plain = { modem: { socketPath: () => Promise.resolve('/var/run/docker.sock') } } as unknown as Docker;
    assert.match(
      engineUnavailable(plain, { code: 'ECONNREFUSED' }).message,
      /at the default Docker socket \(ECONNREFUSED\)/,
    );
    assert.ok(engineUnavailable(plain, {}) instanceof SubmitError);
  });

  test('connectEngine keeps the client while the endpoint is the same, and makes a new one when the context changes', () => {
    class FakeDocker {
      constructor(readonly options: object) {}
    }
    const Ctor = FakeDocker as unknown as new () => Docker;
    writeContext(configDir, 'a', 'unix:///a.sock');
    writeContext(configDir, 'b', 'unix:///b.sock');
    const first = connectEngine(Ctor, { env: { DOCKER_CONTEXT: 'a' }, home, exists: none });
    assert.equal(connectEngine(Ctor, { env: { DOCKER_CONTEXT: 'a' }, home, exists: none }, first), first);
    const second = connectEngine(Ctor, { env: { DOCKER_CONTEXT: 'b' }, home, exists: none }, first);
    assert.notEqual(second, first);
    assert.deepEqual((second as unknown as FakeDocker).options, { socketPath: '/b.sock' });
    assert.throws(() => connectEngine(Ctor, { env: { DOCKER_CONTEXT: 'zzz' }, home, exists: none }), SubmitError);
  });

  test('an engine on another machine is told from one on this one (Run Locally mounts local paths)', () => {
    // Real dockerode clients: none connects until it is asked something.
    const real = DockerClient;
    const local = [
      new real({ socketPath: '/var/run/docker.sock' }),
      new real({ host: '127.0.0.1', port: 2375, protocol: 'http' }),
      new real({ host: 'localhost', port: 2375, protocol: 'http' }),
      new real({ host: '::1', port: 2375, protocol: 'http' }),
    ];
    for (const docker of local) assert.equal(remoteEngine(docker), undefined);
    assert.equal(remoteEngine(new real({ host: '10.0.0.5', port: 2376, protocol: 'https' })), '10.0.0.5:2376');
    const viaSetting = connectEngine(real, { hostSetting: 'tcp://build-box:2376', exists: () => false });
    assert.equal(remoteEngine(viaSetting), 'https://build-box:2376 (the setting awsBatch.docker.host)');
  });
});
