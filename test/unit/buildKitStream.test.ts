// BuildKit's status traces (moby.buildkit.trace, protobuf in base64) as the build channel shows them.
import * as assert from 'node:assert/strict';
import { BuildStreamParser, decodeBuildKitStatus } from '../../src/docker/build';
import { encodeFields } from '../../src/docker/protobuf';
import { parseRunConfig } from '../../src/config/runConfig';

const ts = (seconds: number) =>
  encodeFields([
    [1, Math.floor(seconds)],
    [2, Math.round((seconds % 1) * 1e9)],
  ]);

function vertex(
  digest: string,
  name: string,
  extra: { cached?: boolean; started?: number; completed?: number; error?: string } = {},
) {
  return encodeFields([
    [1, digest],
    [3, name],
    [4, extra.cached ? true : undefined],
    [5, extra.started !== undefined ? ts(extra.started) : undefined],
    [6, extra.completed !== undefined ? ts(extra.completed) : undefined],
    [7, extra.error],
  ]);
}

function trace(parts: { vertexes?: Buffer[]; logs?: [string, string][]; statuses?: Buffer[] }) {
  const fields: [number, Buffer][] = [
    ...(parts.vertexes ?? []).map((v): [number, Buffer] => [1, v]),
    ...(parts.statuses ?? []).map((v): [number, Buffer] => [2, v]),
    ...(parts.logs ?? []).map(([v, msg]): [number, Buffer] => [
      3,
      encodeFields([
        [1, v],
        [3, 1],
        [4, Buffer.from(msg)],
      ]),
    ]),
  ];
  return { id: 'moby.buildkit.trace', aux: encodeFields(fields).toString('base64') };
}

suite('BuildKit build stream', () => {
  test('decodes vertexes, logs and statuses', () => {
    const status = decodeBuildKitStatus(
      trace({
        vertexes: [vertex('sha256:a', '[1/2] FROM x', { cached: true, started: 1.5, completed: 2 })],
        logs: [['sha256:a', 'hi\n']],
      }).aux,
    );
    assert.equal(status.vertexes[0].name, '[1/2] FROM x');
    assert.equal(status.vertexes[0].cached, true);
    assert.equal(status.vertexes[0].started, 1.5);
    assert.equal(status.logs[0].msg.toString(), 'hi\n');
  });

  test('steps, cache hits, pulls, output lines and the image ID, as --progress=plain prints them', () => {
    const lines: string[] = [];
    const steps: string[] = [];
    const cached: string[] = [];
    const pulls: number[][] = [];
    const parser = new BuildStreamParser(
      (line) => lines.push(line),
      (step) => steps.push(`${step.index}/${step.total} ${step.instruction}`),
    );
    parser.onCached = (step) => cached.push(`${step.index}/${step.total}`);
    parser.onPull = (current, total) => pulls.push([current, total]);
    parser.event(
      trace({ vertexes: [vertex('sha256:f', '[stage-0 1/3] FROM docker.io/local/debian', { started: 1 })] }),
    );
    parser.event(
      trace({
        statuses: [
          encodeFields([
            [1, 'sha256:layer'],
            [2, 'sha256:f'],
            [4, 50],
            [5, 100],
          ]),
        ],
      }),
    );
    parser.event(
      trace({
        vertexes: [vertex('sha256:f', '[stage-0 1/3] FROM docker.io/local/debian', { started: 1, completed: 1.2 })],
      }),
    );
    parser.event(
      trace({
        vertexes: [vertex('sha256:c', '[stage-0 2/3] COPY . /app', { cached: true, started: 2, completed: 2 })],
      }),
    );
    parser.event(
      trace({
        vertexes: [vertex('sha256:r', '[stage-0 3/3] RUN make', { started: 3 })],
        logs: [['sha256:r', 'compiling\npart']],
      }),
    );
    parser.event(
      trace({
        logs: [['sha256:r', 'ial\n']],
        vertexes: [vertex('sha256:r', '[stage-0 3/3] RUN make', { started: 3, completed: 4.5 })],
      }),
    );
    parser.event({ id: 'moby.image.id', aux: { ID: 'sha256:' + 'b'.repeat(64) } });
    parser.flush();
    assert.deepEqual(steps, ['1/3 FROM docker.io/local/debian', '2/3 COPY . /app', '3/3 RUN make']);
    assert.deepEqual(cached, ['2/3']);
    assert.deepEqual(pulls, [[50, 100]]);
    assert.deepEqual(lines, [
      '#1 [stage-0 1/3] FROM docker.io/local/debian',
      '#1 DONE 0.2s',
      '#2 [stage-0 2/3] COPY . /app',
      '#2 CACHED',
      '#3 [stage-0 3/3] RUN make',
      '#3 compiling',
      '#3 partial',
      '#3 DONE 1.5s',
    ]);
    assert.equal(parser.steps, 3);
    assert.equal(parser.cachedSteps, 2, 'FROM and the cached COPY');
    assert.equal(parser.imageId, 'sha256:' + 'b'.repeat(64));
  });

  test("a failure names the failing step and its own last lines, in the classic builder's words", () => {
    const parser = new BuildStreamParser();
    parser.event(
      trace({
        vertexes: [vertex('sha256:a', '[1/2] FROM x', { started: 1, completed: 1 })],
        logs: [['sha256:a', 'noise\n']],
      }),
    );
    parser.event(
      trace({
        vertexes: [vertex('sha256:b', '[2/2] RUN make', { started: 2 })],
        logs: [['sha256:b', 'gcc: error\nmake: *** Error 1\n']],
      }),
    );
    parser.event(
      trace({ vertexes: [vertex('sha256:b', '[2/2] RUN make', { started: 2, completed: 3, error: 'exit code: 2' })] }),
    );
    parser.event({ errorDetail: { message: 'executor failed running [/bin/sh -c make]: exit code: 2' } });
    parser.flush();
    const message = parser.failure().message;
    assert.equal(
      message,
      "The Docker build failed at step 2/2 (RUN make): The command '/bin/sh -c make' returned a non-zero code: 2. Last lines:\ngcc: error\nmake: *** Error 1",
    );
  });

  test('aws-batch.json: target, cacheFrom and secrets', () => {
    const base = { jobQueue: 'q', results: { bucket: 'bucket-x' }, tasks: { command: ['true'], count: 1 } };
    const config = parseRunConfig(
      JSON.stringify({
        ...base,
        target: 'runtime',
        cacheFrom: ['ghcr.io/o/app:cache'],
        secrets: [
          { id: 'npmrc', src: '.npmrc' },
          { id: 'tok', env: 'TOKEN' },
        ],
      }),
      'ws',
    );
    assert.equal(config.target, 'runtime');
    assert.deepEqual(config.cacheFrom, ['ghcr.io/o/app:cache']);
    assert.deepEqual(config.secrets, [
      { id: 'npmrc', src: '.npmrc' },
      { id: 'tok', env: 'TOKEN' },
    ]);
    assert.deepEqual(parseRunConfig(JSON.stringify(base), 'ws').secrets, []);
    assert.throws(
      () => parseRunConfig(JSON.stringify({ ...base, secrets: [{ id: 'a', src: 'x', env: 'Y' }] }), 'ws'),
      /needs either "src".*not both/,
    );
    assert.throws(() => parseRunConfig(JSON.stringify({ ...base, secrets: [{ id: 'a' }] }), 'ws'), /not neither/);
    assert.throws(
      () => parseRunConfig(JSON.stringify({ ...base, cacheFrom: 'x' }), 'ws'),
      /"cacheFrom" must be an array/,
    );
  });
});
