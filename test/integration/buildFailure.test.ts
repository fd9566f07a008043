// A failed build on the real engine, both builders: the error names the failing step, keeps its
// last lines, and carries the Dockerfile lines of the failing instruction (the "Open Dockerfile"
// button); a Dockerfile the engine cannot parse names its line too.
import * as assert from 'node:assert/strict';
import Docker from 'dockerode';
import { buildImage } from '../../src/docker/build';
import { SubmitError } from '../../src/shared/errors';
import { contextOf, removeDir } from './buildSupport';

const BASE = process.env.BATCH_RUNNER_BASE_IMAGE ?? 'local/debian:bookworm';

// Two stages, a global ARG, comments and a continuation: the failing RUN is lines 9-11.
const FAILING = [
  `ARG BASE=${BASE}`,
  '# a first stage that works',
  'FROM $BASE AS deps',
  'RUN echo deps > /deps',
  '',
  'FROM deps AS app',
  'ENV MODE=test',
  '# the step that fails, on three lines',
  'RUN for i in $(seq 1 30); do echo "output line $i"; done \\',
  '    # a comment inside',
  '    && exit 7',
  'CMD ["true"]',
  '',
].join('\n');

suite('build: a failing step in the Dockerfile', () => {
  const docker = new Docker();

  async function failure(text: string, env: NodeJS.ProcessEnv = {}): Promise<SubmitError> {
    const { dir, context, dockerfile } = await contextOf({ Dockerfile: text });
    try {
      const path = `${dir}/Dockerfile`;
      await buildImage(docker, {
        context,
        dockerfile,
        platform: 'linux/amd64',
        env,
        dockerfileSource: { path, text },
      });
    } catch (error) {
      assert.ok(error instanceof SubmitError, String(error));
      assert.equal(error.kind, 'build');
      assert.equal(error.fileLines?.path, `${dir}/Dockerfile`);
      return error;
    } finally {
      removeDir(dir);
    }
    assert.fail('the build succeeded');
  }

  for (const [builder, env] of [
    ['BuildKit', {}],
    ['the classic builder', { DOCKER_BUILDKIT: '0' }],
  ] as const) {
    test(`${builder}: the failing RUN's lines, its step and its last lines`, async () => {
      const error = await failure(FAILING, env);
      assert.deepEqual([error.fileLines?.line, error.fileLines?.endLine], [9, 11]);
      assert.match(error.message, /^The Docker build failed at step \d+\/\d+ \(RUN for i in/);
      assert.match(error.message, /returned a non-zero code: 7/);
      // The last lines of the step's own output, not the earlier stage's.
      assert.match(error.message, /Last lines:\n(.*\n)*output line 30$/);
      assert.doesNotMatch(error.message, /output line 25\n/);
      assert.ok(error.details.some((line) => line.includes('output line 30')));
    });

    test(`${builder}: a line the engine cannot parse is named, with the line to open`, async () => {
      const error = await failure(`FROM ${BASE}\n# fine so far\nRUN echo ok\nRUNN echo typo\n`, env);
      assert.deepEqual([error.fileLines?.line, error.fileLines?.endLine], [4, 4]);
      assert.equal(
        error.message.split('\n')[0],
        'The Dockerfile cannot be read: line 4: unknown instruction: RUNN. Fix that line and try again.',
      );
    });
  }
});
