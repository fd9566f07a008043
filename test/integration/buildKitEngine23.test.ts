// Dockerfile features of the built-in BuildKit frontend of Engine 23+ (Dockerfile syntax 1.4+):
// heredocs (RUN <<EOF, COPY <<EOF) and COPY --link / --chmod, built through dockerode as Submit
// builds. Never with a `# syntax=` line: that pulls a frontend image, and a machine without the
// internet (or a company mirror) cannot.
//
// The stand-ins' own engine is Debian bookworm's 20.10, whose frontend cannot parse heredocs, so
// `scripts/backend.sh up` starts a second one, Debian trixie's Engine 26, on a unix socket of its own
// and names it in BATCH_RUNNER_ENGINE26_HOST: the tests build and run there. With that variable set
// (the test command sets it) an engine that does not answer, or is older than 23, fails the suite,
// naming why. Only without it (run outside the test command) is the default engine used, and on one
// older than 23 each test is skipped, its title saying why.
import * as assert from 'node:assert/strict';
import Docker from 'dockerode';
import { buildImage } from '../../src/docker/build';
import { containerOutput, contextOf, removeDir, removeImages } from './buildSupport';
import { suffix } from './submitFixture';

const BASE = process.env.BATCH_RUNNER_BASE_IMAGE ?? 'local/debian:bookworm';
const ENGINE26 = process.env.BATCH_RUNNER_ENGINE26_HOST;

function engineMajor(version: string): number {
  return Number(/^(\d+)\./.exec(version)?.[1] ?? 0);
}

/** The stand-ins' Engine 26 (a unix:// address), or the default engine when none is named. */
function engineFor(host: string | undefined): Docker {
  if (host === undefined || host === '') return new Docker();
  const socketPath = /^unix:\/\/(\/.+)$/.exec(host)?.[1];
  if (!socketPath) throw new Error(`BATCH_RUNNER_ENGINE26_HOST must be unix:///path/to/docker.sock, not "${host}"`);
  return new Docker({ socketPath });
}

suite('build: heredocs and COPY --link (Engine 23+)', () => {
  // Made in suiteSetup: a malformed BATCH_RUNNER_ENGINE26_HOST then fails this suite alone.
  let docker: Docker | undefined;
  const made: string[] = [];
  let engine = '';
  let supported = false;

  suiteSetup(async () => {
    docker = engineFor(ENGINE26);
    let version: { Version?: string };
    try {
      version = (await docker.version()) as { Version?: string };
    } catch (error) {
      if (!ENGINE26) throw error;
      throw new Error(
        `The stand-ins' Engine 26 at ${ENGINE26} (BATCH_RUNNER_ENGINE26_HOST) does not answer: ${(error as Error).message}. ` +
          '`bash scripts/backend.sh up` starts it (its ERROR line says why it did not), `bash scripts/backend.sh status` shows it; ' +
          "its log is engine26.log in the stand-ins' state folder (.work/backend).",
        { cause: error },
      );
    }
    engine = version.Version ?? 'unknown';
    supported = engineMajor(engine) >= 23;
    if (ENGINE26 && !supported)
      throw new Error(`The engine at ${ENGINE26} (BATCH_RUNNER_ENGINE26_HOST) is Docker ${engine}, not 23 or later.`);
  });
  suiteTeardown(async () => {
    if (docker) await removeImages(docker, made);
  });

  /** Skips the test on a default engine older than 23 (no BATCH_RUNNER_ENGINE26_HOST), naming it in the title. */
  function needsEngine23(context: Mocha.Context): void {
    if (supported) return;
    if (context.test)
      context.test.title += ` — skipped: Docker ${engine}'s built-in frontend predates them (Engine 23+)`;
    context.skip();
  }

  async function buildAndRun(files: Record<string, string>, cmd: string[]): Promise<string> {
    assert.ok(docker);
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
