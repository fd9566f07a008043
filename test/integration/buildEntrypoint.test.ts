// The runtime layer keeps the image's ENTRYPOINT: an entry point that activates an environment
// (exports a variable, then runs its arguments) is what the job's command, and so the task, runs
// through. One that ignores its arguments is dropped, saying so.
import * as assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { buildImage } from '../../src/docker/build';
import { checkEngine } from '../../src/docker/engine';
import { addRuntimeLayer } from '../../src/docker/runtimeLayer';
import { containerOutput, contextOf, removeDir, removeImages } from './buildSupport';
import { requireStandIns, runtimePath, suffix } from './submitFixture';

const BASE = process.env.BATCH_RUNNER_NODE_IMAGE ?? 'local/node:22';

suite('runtime layer: the image ENTRYPOINT', () => {
  const docker = new Docker();
  const made: string[] = [];
  const cacheDir = mkdtempSync(join(tmpdir(), 'entrypoint-cache-'));
  suiteTeardown(async () => {
    await removeImages(docker, made);
    removeDir(cacheDir);
  });

  async function layered(files: Record<string, string>) {
    const { nodeImage } = requireStandIns();
    const { dir, context, dockerfile } = await contextOf(files);
    try {
      const tag = `issue13-entry:${suffix()}`;
      made.push(tag);
      const built = await buildImage(docker, { context, dockerfile, platform: 'linux/amd64', tags: [tag] });
      const lines: string[] = [];
      const repository = `issue13-entry-layer-${suffix()}`;
      const runtime = await addRuntimeLayer(docker, {
        baseImageId: built.imageId,
        platform: 'linux/amd64',
        runtimePath,
        nodeImage,
        cacheDir,
        repository,
        engine: await checkEngine(docker),
        log: (line) => lines.push(line),
      });
      made.push(runtime.ref, `${repository}:latest`, `${repository}:without-runtime`);
      return { runtime, lines };
    } finally {
      removeDir(dir);
    }
  }

  const run = (image: string, cmd: string[]): Promise<string> => containerOutput(docker, image, cmd);

  test('ENTRYPOINT ["/env.sh"] that exports a variable: the job command (and its task) gets it', async () => {
    const { runtime, lines } = await layered({
      // 0755 from the context (a script made on Windows gets it from tarMode).
      Dockerfile: `FROM ${BASE}\nCOPY env.sh /env.sh\nRUN chmod 755 /env.sh\nENTRYPOINT ["/env.sh"]\n`,
      'env.sh': '#!/bin/sh\nexport ACTIVATED=yes-from-entrypoint\nexec "$@"\n',
    });
    assert.ok(
      lines.some((line) => /ENTRYPOINT \["\/env\.sh"\] is kept/.test(line)),
      lines.join('\n'),
    );
    const out = await run(runtime.ref, ['sh', '-c', 'echo "task sees $ACTIVATED"']);
    assert.match(out, /task sees yes-from-entrypoint/);
    const version = await run(runtime.ref, [runtime.node, '/opt/batch-runner/runtime.js', '--version']);
    assert.match(version, /\d+\.\d+/);
  });

  test('an ENTRYPOINT that ignores its arguments is dropped, saying so', async () => {
    const { runtime, lines } = await layered({ Dockerfile: `FROM ${BASE}\nENTRYPOINT ["echo", "not a wrapper"]\n` });
    assert.ok(
      lines.some((line) => /does not run the command it is given/.test(line)),
      lines.join('\n'),
    );
    const out = await run(runtime.ref, ['sh', '-c', 'echo plain']);
    assert.match(out, /plain/);
  });
});
