// Build and push output as the Docker engine streams it.
import * as assert from 'node:assert/strict';
import { BuildStreamParser, EngineEvent } from '../../src/docker/build';
import { PushProgress } from '../../src/docker/push';

suite('engine streams', () => {
  test('build: lines split across messages, steps, cache hits, image ID', () => {
    const lines: string[] = [];
    const steps: string[] = [];
    const parser = new BuildStreamParser(
      (line) => lines.push(line),
      (step) => steps.push(`${step.index}/${step.total} ${step.instruction}`),
    );
    const events: EngineEvent[] = [
      { stream: 'Step 1/3 : FROM local/debian:bookworm\n' },
      { stream: ' ---> d24643411cb5\nStep 2/3 : COPY app/ /app/\n ---> Using' },
      { stream: ' cache\n ---> 4d7601879850\n' },
      { stream: 'Step 3/3 : RUN make\n' },
      { stream: ' ---> Running in 1234\n' },
      { aux: { ID: 'sha256:' + 'a'.repeat(64) } },
      { stream: 'Successfully built aaaaaaaaaaaa\n' },
    ];
    for (const event of events) parser.event(event);
    parser.flush();
    assert.deepEqual(steps, ['1/3 FROM local/debian:bookworm', '2/3 COPY app/ /app/', '3/3 RUN make']);
    assert.ok(lines.includes(' ---> Using cache'));
    assert.equal(parser.steps, 3);
    assert.equal(parser.cachedSteps, 2, 'FROM and the cached COPY');
    assert.equal(parser.imageId, 'sha256:' + 'a'.repeat(64));
    assert.equal(parser.error, undefined);
  });

  test('build: a failure names the step and its last lines', () => {
    const parser = new BuildStreamParser();
    for (const event of [
      { stream: 'Step 1/2 : FROM local/debian:bookworm\n' },
      { stream: 'Step 2/2 : RUN make all\n ---> Running in 42\n' },
      { stream: 'gcc: error: main.c: No such file\nmake: *** [all] Error 1\n' },
      {
        error: "The command '/bin/sh -c make all' returned a non-zero code: 2",
        errorDetail: { code: 2, message: "The command '/bin/sh -c make all' returned a non-zero code: 2" },
      },
    ] as EngineEvent[])
      parser.event(event);
    const failure = parser.failure();
    assert.equal(failure.kind, 'build');
    assert.match(
      failure.message,
      /failed at step 2\/2 \(RUN make all\): The command '\/bin\/sh -c make all' returned a non-zero code: 2/,
    );
    assert.match(failure.message, /\. Last lines:\ngcc: error: main\.c: No such file\nmake: \*\*\* \[all\] Error 1$/);
    assert.ok(failure.details.some((line) => line.startsWith('ERROR: ')));
  });

  test('push: per-layer bytes, layers that already exist, the digest', () => {
    const logged: string[] = [];
    const progress = new PushProgress((line) => logged.push(line));
    const events: EngineEvent[] = [
      { status: 'The push refers to repository [127.0.0.1:5000/demo]' },
      { status: 'Preparing', id: 'aaa' },
      { status: 'Preparing', id: 'bbb' },
      { status: 'Layer already exists', id: 'bbb' },
      { status: 'Pushing', id: 'aaa', progressDetail: { current: 5e6, total: 20e6 } },
    ];
    for (const event of events) progress.event(event);
    assert.equal(progress.summary(), '1/2 layers, 5.0 MB of 20 MB');
    assert.equal(progress.fraction(), 0.25);
    progress.event({ status: 'Pushing', id: 'aaa', progressDetail: { current: 20e6, total: 20e6 } });
    progress.event({ status: 'Pushed', id: 'aaa' });
    progress.event({ status: 'tag: digest: sha256:' + 'b'.repeat(64) + ' size: 1155' });
    progress.event({ aux: { Tag: 'tag', Digest: 'sha256:' + 'c'.repeat(64), Size: 1155 } });
    assert.equal(progress.summary(), '2/2 layers, 20 MB of 20 MB');
    assert.equal(progress.digest, 'sha256:' + 'c'.repeat(64), 'aux wins over the status line');
    assert.deepEqual(
      [...progress.layers.values()].map((l) => [l.id, l.existed]),
      [
        ['aaa', false],
        ['bbb', true],
      ],
    );
    assert.ok(logged.includes('bbb: Layer already exists') && logged.includes('aaa: Pushed'));
    assert.ok(!logged.some((line) => line.startsWith('aaa: Pushing')), 'byte progress is not logged line by line');
  });

  test('push: an error event is kept', () => {
    const progress = new PushProgress();
    progress.event({
      error: 'unauthorized: authentication required',
      errorDetail: { message: 'unauthorized: authentication required' },
    });
    assert.equal(progress.error, 'unauthorized: authentication required');
  });
});
