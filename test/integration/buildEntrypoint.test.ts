// The runtime layer keeps the image's ENTRYPOINT: an entry point that activates an environment
// (exports a variable, then runs its arguments) is what the job's command, and so the task, runs
// through. One that ignores its arguments is dropped, saying so. Both ways of adding the runtime:
// its files mounted into the user's image (Run Locally) and its layers appended in the registry
// (Submit), then pulled and run.
import * as assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { buildImage } from '../../src/docker/build';
import { pushImage } from '../../src/docker/push';
import { appendRuntimeLayers, prepareRuntime } from '../../src/docker/registryRuntimeLayer';
import { runtimeMounts } from '../../src/docker/runtimeMounts';
import { containerOutput, contextOf, removeDir, removeImages } from './buildSupport';
import {
  TestClients,
  clients,
  pullImage,
  registryCredentials,
  requireStandIns,
  runtimeSource,
  suffix,
} from './submitFixture';

const BASE = process.env.BATCH_RUNNER_NODE_IMAGE ?? 'local/node:22';

for (const way of ['mounted (Run Locally)', 'appended in the registry'] as const) {
  suite(`runtime ${way}: the image ENTRYPOINT`, () => {
    const docker = new Docker();
    const made: string[] = [];
    const cacheDir = mkdtempSync(join(tmpdir(), 'entrypoint-cache-'));
    let aws: TestClients | undefined;
    suiteTeardown(async () => {
      await removeImages(docker, made);
      removeDir(cacheDir);
      aws?.destroy();
    });

    /** Submit's way: push the image as built, check the runtime in it, append the layers, pull. */
    async function appended(imageId: string, lines: string[]) {
      const { nodeImage } = requireStandIns();
      aws ??= await clients();
      const credentials = await registryCredentials(aws);
      const repository = `issue13-entry-registry-${suffix()}`;
      const base = `${credentials.host}/${repository}`;
      await docker.getImage(imageId).tag({ repo: base, tag: 'built' });
      made.push(`${base}:built`);
      const pushed = await pushImage(docker, `${base}:built`, credentials);
      const { decision, blobs } = await prepareRuntime(
        docker,
        imageId,
        await runtimeSource(docker, { nodeImage, cacheDir, lines }),
      );
      await appendRuntimeLayers(credentials, {
        repository,
        base: pushed.digest,
        tag: 'with-runtime',
        platform: 'linux/amd64',
        decision,
        blobs,
        labels: {},
      });
      made.push(`${base}:with-runtime`);
      await pullImage(docker, `${base}:with-runtime`, credentials);
      return { runtime: { ref: `${base}:with-runtime`, node: decision.node }, lines, run: plain };
    }

    async function layered(files: Record<string, string>) {
      const { nodeImage } = requireStandIns();
      const { dir, context, dockerfile } = await contextOf(files);
      try {
        const tag = `issue13-entry:${suffix()}`;
        made.push(tag);
        const built = await buildImage(docker, { context, dockerfile, platform: 'linux/amd64', tags: [tag] });
        const lines: string[] = [];
        if (way === 'appended in the registry') return await appended(built.imageId, lines);
        const mounted = await runtimeMounts(
          docker,
          built.imageId,
          await runtimeSource(docker, { nodeImage, cacheDir, lines }),
        );
        // A container as Run Locally makes it: the image as built, the files mounted, the ENTRYPOINT as decided.
        const run = (image: string, cmd: string[]) =>
          containerOutput(docker, image, cmd, {
            mounts: mounted.mounts,
            entrypoint: mounted.keepEntrypoint ? undefined : [''],
          });
        return { runtime: { ref: tag, node: mounted.node }, lines, run };
      } finally {
        removeDir(dir);
      }
    }

    const plain = (image: string, cmd: string[]): Promise<string> => containerOutput(docker, image, cmd);

    test('ENTRYPOINT ["/env.sh"] that exports a variable: the job command (and its task) gets it', async () => {
      const { runtime, lines, run } = await layered({
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
      const { runtime, lines, run } = await layered({
        Dockerfile: `FROM ${BASE}\nENTRYPOINT ["echo", "not a wrapper"]\n`,
      });
      assert.ok(
        lines.some((line) => /does not run the command it is given/.test(line)),
        lines.join('\n'),
      );
      const out = await run(runtime.ref, ['sh', '-c', 'echo plain']);
      assert.match(out, /plain/);
    });
  });
}
