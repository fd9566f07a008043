// BuildKit builds through dockerode on the stand-ins' engine (Debian's 20.10: cache and secret mounts,
// no heredocs): RUN --mount=type=cache, a build secret that is in no layer (docker save searched) and
// no log line, target, the progress (steps, cache hits), the failing step, and the classic builder
// where BuildKit is off, said once.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { buildImage } from '../../src/docker/build';
import { secretSources } from '../../src/docker/runImage';
import { contextOf, removeDir, removeImages } from './buildSupport';
import { suffix } from './submitFixture';

const BASE = process.env.BATCH_RUNNER_BASE_IMAGE ?? 'local/debian:bookworm';

suite('build: BuildKit', () => {
  const docker = new Docker();
  const made: string[] = [];
  const lines: string[] = [];
  const secret = `tok-${randomBytes(12).toString('hex')}`;

  suiteTeardown(async () => {
    await removeImages(docker, made);
  });

  async function build(files: Record<string, string>, extra: Partial<Parameters<typeof buildImage>[1]> = {}) {
    const { dir, context, dockerfile } = await contextOf(files);
    const tag = `issue13-buildkit:${suffix()}`;
    made.push(tag);
    try {
      const steps: string[] = [];
      const cached: string[] = [];
      const result = await buildImage(docker, {
        context,
        dockerfile,
        platform: 'linux/amd64',
        tags: [tag],
        log: (line) => lines.push(line),
        onStep: (step) => steps.push(`${step.index}/${step.total}`),
        onCached: (step) => cached.push(`${step.index}/${step.total}`),
        ...extra,
      });
      return { ...result, tag, steps: result.steps, seen: steps, cached };
    } finally {
      removeDir(dir);
    }
  }

  test('RUN --mount=type=cache keeps its folder between builds; steps and cache hits are reported', async () => {
    const key = suffix();
    const dockerfile = (n: number) =>
      `FROM ${BASE}\nRUN --mount=type=cache,id=issue13-${key},target=/cache echo run >> /cache/runs && wc -l < /cache/runs > /runs\nRUN echo ${n} > /n\n`;
    const first = await build({ Dockerfile: dockerfile(1) });
    assert.equal(first.builder, 'buildkit');
    assert.deepEqual(first.seen, ['1/3', '2/3', '3/3']);
    // A change after the cache step: the cache step is a cache hit.
    const second = await build({ Dockerfile: dockerfile(2) });
    assert.ok(second.cached.includes('2/3'), `cache hits: ${second.cached.join(', ')}`);
    assert.ok(lines.some((line) => /^#\d+ CACHED$/.test(line)));
    // A forced re-run of the cache step sees the earlier run's file.
    const third = await build({ Dockerfile: dockerfile(3).replace('echo run', 'echo again') });
    const container = await docker.createContainer({ Image: third.tag, Cmd: ['cat', '/runs'] });
    try {
      await container.start();
      await container.wait();
      const out = ((await container.logs({ stdout: true })) as unknown as Buffer).toString('utf8');
      assert.match(out, /2/, "the cache folder held the first build's line");
    } finally {
      await container.remove({ force: true });
    }
  });

  test('a build secret (env) is readable by RUN and is in no layer and no log line', async () => {
    const result = await build(
      {
        Dockerfile: `FROM ${BASE}\nRUN --mount=type=secret,id=tok cat /run/secrets/tok > /dev/null && test -s /run/secrets/tok && echo read-the-secret\n`,
      },
      { secrets: secretSources([{ id: 'tok', env: 'ISSUE13_TOKEN' }], '/', { ISSUE13_TOKEN: secret }) },
    );
    assert.ok(lines.some((line) => line.endsWith(' read-the-secret')));
    const saved = await docker.getImage(result.tag).get();
    const chunks: Buffer[] = [];
    for await (const chunk of saved) chunks.push(chunk as Buffer);
    const tar = Buffer.concat(chunks);
    assert.ok(tar.length > 1000);
    assert.equal(tar.indexOf(secret), -1, 'the secret is in the saved image');
    assert.ok(!lines.some((line) => line.includes(secret)), 'the secret is in a log line');
  });

  test('a secret file; a secret the Dockerfile mounts but aws-batch.json lacks names the fix', async () => {
    const { dir } = await contextOf({ 'token.txt': secret });
    try {
      await build(
        { Dockerfile: `FROM ${BASE}\nRUN --mount=type=secret,id=file grep -q tok- /run/secrets/file\n` },
        { secrets: secretSources([{ id: 'file', src: 'token.txt' }], dir) },
      );
    } finally {
      removeDir(dir);
    }
    await assert.rejects(
      build({ Dockerfile: `FROM ${BASE}\nRUN --mount=type=secret,id=other,required cat /run/secrets/other\n` }),
      /mounts the build secret "other", which aws-batch.json does not define/,
    );
  });

  test('target builds the named stage', async () => {
    const result = await build(
      { Dockerfile: `FROM ${BASE} AS one\nRUN echo one > /stage\nFROM ${BASE} AS two\nRUN echo two > /stage\n` },
      { target: 'one' },
    );
    const container = await docker.createContainer({ Image: result.tag, Cmd: ['cat', '/stage'] });
    try {
      await container.start();
      await container.wait();
      assert.match(((await container.logs({ stdout: true })) as unknown as Buffer).toString('utf8'), /one/);
    } finally {
      await container.remove({ force: true });
    }
  });

  test('a failing step: its step and its own last lines', async () => {
    await assert.rejects(
      build({ Dockerfile: `FROM ${BASE}\nRUN echo fine\nRUN echo about-to-fail && echo second-line && exit 3\n` }),
      (error: Error) => {
        assert.match(error.message, /failed at step 3\/3 \(RUN echo about-to-fail && echo second-line && exit 3\)/);
        assert.match(error.message, /returned a non-zero code: 3/);
        assert.match(error.message, /Last lines:\nabout-to-fail\nsecond-line$/);
        return true;
      },
    );
  });

  test('no BuildKit (DOCKER_BUILDKIT=0): the classic builder, said once; secrets then refused', async () => {
    const told: string[] = [];
    const env = { DOCKER_BUILDKIT: '0' };
    for (let i = 0; i < 2; i++) {
      const result = await build(
        { Dockerfile: `FROM ${BASE}\nRUN echo classic-${i}\n` },
        { env, log: (line) => told.push(line) },
      );
      assert.equal(result.builder, 'classic');
    }
    assert.equal(told.filter((line) => line.startsWith('BuildKit is not available')).length, 1);
    await assert.rejects(
      build({ Dockerfile: `FROM ${BASE}\n` }, { env, secrets: new Map([['x', async () => Buffer.from('y')]]) }),
      /Build secrets \("secrets" in aws-batch.json\) need BuildKit/,
    );
  });
});
