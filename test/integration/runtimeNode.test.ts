// The runtime's Node.js on the real engine: an image without Node gets the binary of the Node image
// (the stand-ins' local/node:22), an image whose own node is older than MIN_NODE_MAJOR gets it too,
// and a awsBatch.runtimeNodeImage with an old Node.js is refused with the setting and the fix named.
import * as assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { buildImage } from '../../src/docker/build';
import { BUNDLED_NODE, MIN_NODE_MAJOR } from '../../src/docker/runtimeFiles';
import { runtimeMounts } from '../../src/docker/runtimeMounts';
import { SubmitError } from '../../src/shared/errors';
import { containerOutput, contextOf, removeDir, removeImages } from './buildSupport';
import { requireStandIns, runtimeSource, suffix } from './submitFixture';

const DEBIAN = process.env.BATCH_RUNNER_BASE_IMAGE ?? 'local/debian:bookworm';
const BUSYBOX = 'local/busybox:latest';

suite('runtime (Run Locally: its files mounted): Node.js 22', () => {
  const docker = new Docker();
  const made: string[] = [];
  const cacheDir = mkdtempSync(join(tmpdir(), 'runtime-node-cache-'));
  suiteTeardown(async () => {
    await removeImages(docker, made);
    removeDir(cacheDir);
  });

  async function image(files: Record<string, string>): Promise<string> {
    const { dir, context, dockerfile } = await contextOf(files);
    try {
      const tag = `issue13-node:${suffix()}`;
      made.push(tag);
      return (await buildImage(docker, { context, dockerfile, platform: 'linux/amd64', tags: [tag] })).imageId;
    } finally {
      removeDir(dir);
    }
  }

  /** An image whose `node` says it is Node.js 20 (a script: no real Node 20 is needed for the check). */
  const oldNode = () =>
    image({
      Dockerfile: `FROM ${BUSYBOX}\nENV PATH=/usr/local/bin:/bin\nCOPY node /usr/local/bin/node\nRUN chmod 755 /usr/local/bin/node\n`,
      node: '#!/bin/sh\nprintf 20.19.0\n',
    });

  async function layer(baseImageId: string, nodeImage: string) {
    const lines: string[] = [];
    const mounted = await runtimeMounts(
      docker,
      baseImageId,
      await runtimeSource(docker, { nodeImage, cacheDir, lines }),
    );
    // A container as Run Locally makes one: the image as built, with the runtime's files mounted.
    const run = (cmd: string[]) => containerOutput(docker, baseImageId, cmd, { tty: true, mounts: mounted.mounts });
    return { runtime: mounted, lines, run };
  }

  const output = (ref: string, cmd: string[]): Promise<string> => containerOutput(docker, ref, cmd, { tty: true });

  test('the stand-ins Node image is Node.js 22', async () => {
    const { nodeImage } = requireStandIns();
    const version = await output(nodeImage, ['node', '-e', 'process.stdout.write(process.version)']);
    assert.match(version, new RegExp(`^v${MIN_NODE_MAJOR}\\.`), `${nodeImage}: ${version}`);
  });

  test('an image without Node.js gets the Node.js 22 binary of awsBatch.runtimeNodeImage', async () => {
    const { nodeImage } = requireStandIns();
    const base = await image({ Dockerfile: `FROM ${DEBIAN}\nRUN echo plain > /plain.txt\n` });
    const { runtime, lines, run } = await layer(base, nodeImage);
    assert.equal(runtime.node, BUNDLED_NODE);
    assert.ok(
      lines.some((line) => line.includes('has no Node.js')),
      lines.join('\n'),
    );
    assert.match(await run([BUNDLED_NODE, '--version']), /^v22\./);
    assert.match(await run([BUNDLED_NODE, '/opt/batch-runner/runtime.js', '--version']), /\d+\.\d+/);
    assert.match(await run(['/opt/batch-runner/spawn', '--check']), /^batch-runner-spawn \d+/);
    assert.equal(runtime.reused, false);
    // Decided once per image: the second time no container runs, and the files are the same.
    const again = await layer(base, nodeImage);
    assert.equal(again.runtime.reused, true);
    assert.deepEqual(again.runtime.mounts, runtime.mounts);
    assert.deepEqual([again.runtime.node, again.runtime.keepEntrypoint], [runtime.node, runtime.keepEntrypoint]);
  });

  test('an image whose own Node.js is 20 gets the bundled Node.js 22 instead', async () => {
    const { nodeImage } = requireStandIns();
    const base = await image({
      Dockerfile: `FROM ${DEBIAN}\nCOPY node /usr/local/bin/node\nRUN chmod 755 /usr/local/bin/node\n`,
      node: '#!/bin/sh\nprintf 20.19.0\n',
    });
    const { runtime, lines } = await layer(base, nodeImage);
    assert.equal(runtime.node, BUNDLED_NODE);
    assert.ok(
      lines.some((line) => line.includes("image's Node.js 20 is older than 22")),
      lines.join('\n'),
    );
  });

  test('a awsBatch.runtimeNodeImage with Node.js 20 is refused, naming the setting and the default', async () => {
    const base = await image({ Dockerfile: `FROM ${DEBIAN}\nRUN echo plain > /plain.txt\n` });
    const old = await oldNode();
    await assert.rejects(layer(base, old), (error: unknown) => {
      assert.ok(error instanceof SubmitError, String(error));
      assert.match(
        error.message,
        /setting awsBatch\.runtimeNodeImage\) has Node\.js 20; the runtime needs Node\.js 22/,
      );
      assert.match(error.message, /node:22-bookworm-slim/);
      return true;
    });
  });
});
