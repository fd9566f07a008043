// A failed build step back to its lines in the Dockerfile, for "Open Dockerfile": the classic
// builder's "Step N/M", BuildKit's per-stage "[stage N/M]", parse errors, and what Docker reads as
// one instruction (continuations, comments inside them, the escape directive, heredocs).
import * as assert from 'node:assert/strict';
import { BuildStreamParser } from '../../src/docker/build';
import { failedLines, parseDockerfile, parseErrorMessage } from '../../src/docker/dockerfileLines';

const MULTI = [
  'ARG BASE=local/busybox:latest', // 1
  '', // 2
  '# build stage', // 3
  'FROM $BASE AS build', // 4
  'WORKDIR /src', // 5
  'COPY . .', // 6
  'RUN make \\', // 7
  '    # a comment inside the continuation', // 8
  '    all', // 9
  'FROM build AS test', // 10
  'ENV CI=1', // 11
  'RUN make test', // 12
  'FROM local/debian:bookworm', // 13
  'COPY --from=build /src/out /out', // 14
  'RUN make test', // 15
  'CMD ["/out/app"]', // 16
].join('\n');

suite('Dockerfile lines of a failed step', () => {
  test('instructions with their lines: continuations, comments in them, stages and aliases', () => {
    const steps = parseDockerfile(MULTI);
    assert.deepEqual(
      steps.map((s) => [s.keyword, s.line, s.endLine, s.stage]),
      [
        ['ARG', 1, 1, -1],
        ['FROM', 4, 4, 0],
        ['WORKDIR', 5, 5, 0],
        ['COPY', 6, 6, 0],
        ['RUN', 7, 9, 0],
        ['FROM', 10, 10, 1],
        ['ENV', 11, 11, 1],
        ['RUN', 12, 12, 1],
        ['FROM', 13, 13, 2],
        ['COPY', 14, 14, 2],
        ['RUN', 15, 15, 2],
        ['CMD', 16, 16, 2],
      ],
    );
    assert.equal(steps[4].text, 'RUN make all');
    assert.equal(steps[1].alias, 'build');
  });

  test('the escape directive, CRLF line ends and heredocs', () => {
    const text = [
      '# escape=`',
      'FROM x',
      'RUN echo a `',
      '  b',
      'RUN <<EOF',
      'echo one',
      'echo two',
      'EOF',
      'CMD x',
    ].join('\r\n');
    assert.deepEqual(
      parseDockerfile(text).map((s) => [s.keyword, s.line, s.endLine]),
      [
        ['FROM', 2, 2],
        ['RUN', 3, 4],
        ['RUN', 5, 8],
        ['CMD', 9, 9],
      ],
    );
  });

  test('classic builder: "Step N/M" counts every instruction of the file, the global ARG too', () => {
    assert.deepEqual(failedLines(MULTI, { builder: 'classic', index: 5, total: 12, instruction: 'RUN make     all' }), {
      line: 7,
      endLine: 9,
    });
    // The second "RUN make test" by its number, not the first by its text.
    assert.deepEqual(failedLines(MULTI, { builder: 'classic', index: 11, total: 12, instruction: 'RUN make test' }), {
      line: 15,
      endLine: 15,
    });
  });

  test('BuildKit: the stage by alias or stage-N, the step counted within it (FROM another stage is no step)', () => {
    // "test" is FROM build: its steps are only RUN (ENV is no step): [test 1/1].
    assert.deepEqual(
      failedLines(MULTI, { builder: 'buildkit', stage: 'test', index: 1, total: 1, instruction: 'RUN make test' }),
      {
        line: 12,
        endLine: 12,
      },
    );
    assert.deepEqual(
      failedLines(MULTI, { builder: 'buildkit', stage: 'stage-2', index: 3, total: 3, instruction: 'RUN make test' }),
      { line: 15, endLine: 15 },
    );
    assert.deepEqual(
      failedLines(MULTI, { builder: 'buildkit', stage: 'build', index: 4, total: 4, instruction: 'RUN make all' }),
      { line: 7, endLine: 9 },
    );
    // A FROM step names the resolved image, not $BASE.
    assert.deepEqual(
      failedLines(MULTI, {
        builder: 'buildkit',
        stage: 'build',
        index: 1,
        total: 4,
        instruction: 'FROM docker.io/local/busybox:latest',
      }),
      { line: 4, endLine: 4 },
    );
  });

  test('BuildKit, one stage: no stage name; the same text twice is told apart by the step number', () => {
    const text = 'FROM x\nRUN echo hi\nCOPY a /a\nRUN echo hi\n';
    assert.deepEqual(failedLines(text, { builder: 'buildkit', index: 4, total: 4, instruction: 'RUN echo hi' }), {
      line: 4,
      endLine: 4,
    });
    assert.deepEqual(failedLines(text, { builder: 'buildkit', index: 2, total: 4, instruction: 'RUN echo hi' }), {
      line: 2,
      endLine: 2,
    });
  });

  test('parse errors name their line, in both builders; the message says what to do', () => {
    const text = 'FROM x\nRUN a \\\n  b\nRUNN c\n';
    const buildkit = 'failed to create LLB definition: dockerfile parse error line 4: unknown instruction: RUNN';
    assert.deepEqual(failedLines(text, { builder: 'buildkit', error: buildkit }), { line: 4, endLine: 4 });
    assert.deepEqual(failedLines(text, { builder: 'classic', error: 'dockerfile parse error on line 3: oops' }), {
      line: 2,
      endLine: 3,
    });
    assert.equal(
      parseErrorMessage(buildkit),
      'The Dockerfile cannot be read: line 4: unknown instruction: RUNN. Fix that line and try again.',
    );
    assert.equal(parseErrorMessage('exit code: 1'), undefined);
  });

  test('a step the Dockerfile does not show: no lines', () => {
    assert.equal(
      failedLines(MULTI, { builder: 'buildkit', stage: 'build', instruction: 'RUN something else' }),
      undefined,
    );
    assert.equal(failedLines(MULTI, { builder: 'classic' }), undefined);
  });

  test('the classic stream: the failed build error carries the Dockerfile and the lines', () => {
    const parser = new BuildStreamParser();
    for (const stream of ['Step 1/2 : FROM x\n', ' ---> abc\n', 'Step 2/2 : RUN make  &&   make install\n', 'boom\n'])
      parser.event({ stream });
    parser.event({ errorDetail: { message: "The command '/bin/sh -c make' returned a non-zero code: 2" } });
    parser.flush();
    const error = parser.failure(undefined, {
      path: '/ws/Dockerfile',
      text: 'FROM x\n\nRUN make \\\n  && make install\n',
    });
    assert.deepEqual(error.fileLines, { path: '/ws/Dockerfile', line: 3, endLine: 4 });
    assert.match(error.message, /at step 2\/2 \(RUN make {2}&& {3}make install\).*Last lines:\nboom/s);
    assert.equal(parser.failure().fileLines, undefined);
  });
});
