// A FROM of an image in a registry that needs a login (the local registry's htpasswd) builds with
// the credentials of a test DOCKER_CONFIG (auths, and a credential helper on PATH), and fails with a
// message naming the registry and the fix without them. No credential reaches a log line.
import * as assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import Docker from 'dockerode';
import { ecrPullCredentials } from '../../src/aws/ecrPull';
import { buildImage } from '../../src/docker/build';
import { DockerCredentials } from '../../src/docker/credentials';
import { RegistryCredentials } from '../../src/docker/registry';
import { contextOf, removeDir, removeImages } from './buildSupport';
import { TestClients, clients, registryCredentials, requireStandIns, suffix } from './submitFixture';

suite('build: private base images', () => {
  const docker = new Docker();
  let aws: TestClients;
  let login: RegistryCredentials;
  let base: string;
  let home: string;
  const made: string[] = [];
  const lines: string[] = [];

  suiteSetup(async function () {
    this.timeout(120_000);
    const { registry } = requireStandIns();
    aws = await clients();
    login = await registryCredentials(aws);
    base = `${registry}/issue13-private-base-${suffix()}:1`;
    home = mkdtempSync(join(tmpdir(), 'private-base-'));
    // The base image lives only in the registry: pushed with the login, then removed here.
    await docker.getImage('local/busybox:latest').tag({ repo: base.replace(/:1$/, ''), tag: '1' });
    const stream = await docker
      .getImage(base)
      .push({ authconfig: { username: login.username, password: login.password, serveraddress: registry } });
    await new Promise((resolve, reject) =>
      docker.modem.followProgress(stream, (error: Error | null, out: { error?: string }[]) =>
        error || out.some((event) => event.error) ? reject(error ?? new Error(JSON.stringify(out))) : resolve(out),
      ),
    );
    await removeImages(docker, [base]);
  });

  suiteTeardown(async () => {
    await removeImages(docker, [...made, base]);
    removeDir(home);
    aws?.destroy();
  });

  function configDir(name: string, config: object): string {
    const dir = join(home, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    return dir;
  }

  async function build(
    credentials: DockerCredentials,
    tag: string,
    extra: Partial<Parameters<typeof buildImage>[1]> = {},
  ) {
    const { dir, context, dockerfile } = await contextOf({ Dockerfile: `FROM ${base}\nRUN echo built > /built\n` });
    try {
      made.push(tag);
      return await buildImage(docker, {
        context,
        dockerfile,
        platform: 'linux/amd64',
        tags: [tag],
        baseImages: [base],
        pullCredentials: credentials,
        log: (line) => lines.push(line),
        ...extra,
      });
    } finally {
      removeDir(dir);
      await removeImages(docker, [base]);
    }
  }

  test('auths in DOCKER_CONFIG/config.json', async () => {
    const dir = configDir('auths', {
      auths: { [login.host]: { auth: Buffer.from(`${login.username}:${login.password}`).toString('base64') } },
    });
    const built = await build(
      DockerCredentials.load({ ...process.env, DOCKER_CONFIG: dir }),
      `issue13-private-a:${suffix()}`,
    );
    assert.match(built.imageId, /^sha256:/);
  });

  test('credHelpers: a docker-credential-* helper on PATH answers for the registry', async () => {
    const bin = join(home, 'bin');
    mkdirSync(bin, { recursive: true });
    const helper = join(bin, 'docker-credential-testhelper');
    // The helper reads the password from a file, so it appears in no command line.
    writeFileSync(
      join(home, 'secret'),
      JSON.stringify({ ServerURL: login.host, Username: login.username, Secret: login.password }),
    );
    writeFileSync(
      helper,
      `#!/bin/sh\nread -r server\n[ "$server" = "${login.host}" ] || { echo "credentials not found"; exit 1; }\ncat "${join(home, 'secret')}"\n`,
    );
    chmodSync(helper, 0o755);
    const dir = configDir('helpers', { credHelpers: { [login.host]: 'testhelper' } });
    const env = { ...process.env, DOCKER_CONFIG: dir, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` };
    const built = await build(DockerCredentials.load(env), `issue13-private-b:${suffix()}`);
    assert.match(built.imageId, /^sha256:/);
  });

  test('without credentials: the build fails naming the registry and "docker login"', async () => {
    const dir = configDir('none', {});
    await assert.rejects(
      build(DockerCredentials.load({ ...process.env, DOCKER_CONFIG: dir }), `issue13-private-c:${suffix()}`),
      (error: Error) => {
        assert.match(
          error.message,
          new RegExp(
            `The registry ${login.host.replace(/\./g, '\\.')} refused to let the build pull its base image. Sign in with "docker login ${login.host.replace(/\./g, '\\.')}"`,
          ),
        );
        return true;
      },
    );
  });

  for (const [builder, env] of [
    ['BuildKit', {}],
    ['the classic builder', { DOCKER_BUILDKIT: '0' }],
  ] as const) {
    test(`${builder}: ECR sign-ins for other registries (moto's tokens) are merged; config.json's are still used`, async () => {
      const ecr = await ecrPullCredentials(['111122223333.dkr.ecr.eu-west-1.amazonaws.com'], (region) =>
        aws.ecrIn(region),
      );
      assert.deepEqual(Object.keys(ecr.credentials), ['111122223333.dkr.ecr.eu-west-1.amazonaws.com']);
      const dir = configDir(`merged-${suffix()}`, {
        auths: { [login.host]: { auth: Buffer.from(`${login.username}:${login.password}`).toString('base64') } },
      });
      const built = await build(
        DockerCredentials.load({ ...process.env, DOCKER_CONFIG: dir }),
        `issue13-private-ecr:${suffix()}`,
        { registryConfig: ecr.credentials, env: { ...process.env, ...env } },
      );
      assert.match(built.imageId, /^sha256:/);
      assert.equal(built.builder, builder === 'BuildKit' ? 'buildkit' : 'classic');
    });
  }

  test('no credential in any log line', () => {
    const encoded = Buffer.from(`${login.username}:${login.password}`).toString('base64');
    for (const line of lines) {
      assert.ok(!line.includes(login.password) && !line.includes(encoded), `a log line holds the password: ${line}`);
    }
  });
});
