// Dockerfile features of the built-in BuildKit frontend of Engine 23+ (Dockerfile syntax 1.4+):
// heredocs (RUN <<EOF, COPY <<EOF) and COPY --link / --chmod, built through dockerode as Submit
// builds. Never with a `# syntax=` line: that pulls a frontend image, and a machine without the
// internet (or a company mirror) cannot. On an older engine (the stand-ins' Debian 20.10, whose
// frontend cannot parse heredocs) each test is skipped, its title saying why.
import * as assert from 'node:assert/strict';
import Docker from 'dockerode';
import { buildImage } from '../../src/docker/build';
import { containerOutput, contextOf, removeDir, removeImages } from './buildSupport';
import { suffix } from './submitFixture';

const BASE = process.env.BATCH_RUNNER_BASE_IMAGE ?? 'local/debian:bookworm';

suite('build: heredocs and COPY --link (Engine 23+)', () => {
  const docker = new Docker();
  const made: string[] = [];
  let engine = '';
  let supported = false;

  suiteSetup(async () => {
    const version = (await docker.version()) as { Version?: string };
    engine = version.Version ?? 'unknown';
    supported = Number(/^(\d+)\./.exec(engine)?.[1] ?? 0) >= 23;
  });
  suiteTeardown(async () => {
    await removeImages(docker, made);
  });

  /** Skips the test on an engine older than 23, naming the engine in the test's title. */
  function needsEngine23(context: Mocha.Context): void {
    if (supported) return;
    if (context.test)
      context.test.title += ` — skipped: Docker ${engine}'s built-in frontend predates them (Engine 23+)`;
    context.skip();
  }

  async function buildAndRun(files: Record<string, string>, cmd: string[]): Promise<string> {
    const { dir, context, dockerfile } = await contextOf(files);
    const tag = `issue13-engine23:${suffix()}`;
    made.push(tag);
    try {
      const built = await buildImage(docker, { context, dockerfile, platform: 'linux/amd64', tags: [tag] });
      assert.equal(built.builder, 'buildkit');
    } finally {
      removeDir(dir);
    }
    return containerOutput(docker, tag, cmd, { tty: true, network: true });
  }

  test('RUN <<EOF and COPY <<EOF heredocs', async function () {
    needsEngine23(this);
    const out = await buildAndRun(
      {
        Dockerfile: [
          `FROM ${BASE}`,
          'RUN <<EOF',
          'echo first > /heredoc.txt',
          'echo second >> /heredoc.txt',
          'EOF',
          'COPY <<EOF /greeting.txt',
          'hello from a heredoc',
          'EOF',
          '',
        ].join('\n'),
      },
      ['sh', '-c', 'cat /heredoc.txt /greeting.txt'],
    );
    assert.match(out, /first\r?\nsecond\r?\nhello from a heredoc/);
  });

  test('COPY --link --chmod=755', async function () {
    needsEngine23(this);
    const out = await buildAndRun(
      {
        Dockerfile: `FROM ${BASE}\nCOPY --link --chmod=755 tool.sh /usr/local/bin/tool\n`,
        'tool.sh': '#!/bin/sh\necho tool ran\n',
      },
      ['sh', '-c', 'stat -c %a /usr/local/bin/tool && tool'],
    );
    assert.match(out, /^755\r?\ntool ran/);
  });
});
