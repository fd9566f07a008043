import * as assert from 'node:assert/strict';
import { formatDuration, jobTiming, shortId } from '../../src/models/jobFormat';
import { parseCommandOverride, validateJobName } from '../../src/commands/jobInput';

suite('job formatting', () => {
  test('short ids keep the array index', () => {
    assert.equal(shortId('8f6b1e4c-1d2e-4c3b-9a8b-7c6d5e4f3a2b'), '8f6b1e4c');
    assert.equal(shortId('8f6b1e4c-1d2e-4c3b-9a8b-7c6d5e4f3a2b:12'), '8f6b1e4c:12');
  });

  test('durations', () => {
    assert.equal(formatDuration(4_400), '4s');
    assert.equal(formatDuration(192_000), '3m 12s');
    assert.equal(formatDuration(3 * 3600_000 + 5 * 60_000), '3h 5m');
    assert.equal(formatDuration(50 * 3600_000), '2d 2h');
  });

  test('timing text does not depend on the current time', () => {
    const at = Date.UTC(2026, 0, 1, 14, 2);
    assert.equal(jobTiming({ status: 'RUNNING', createdAt: at - 60_000, startedAt: at }, 'UTC'), 'running since 14:02');
    assert.equal(jobTiming({ status: 'RUNNABLE', createdAt: at }, 'UTC'), 'waiting since 14:02');
    assert.equal(jobTiming({ status: 'SUCCEEDED', startedAt: at, stoppedAt: at + 61_000 }), 'ran 1m 1s');
  });
});

suite('Submit Job from Definition input', () => {
  test('job names follow Batch rules', () => {
    assert.equal(validateJobName('sim-1_a'), undefined);
    assert.match(validateJobName('-sim') ?? '', /start with a letter or number/);
    assert.match(validateJobName('a b') ?? '', /letters, numbers/);
    assert.match(validateJobName('x'.repeat(129)) ?? '', /128/);
  });

  test('command overrides as words with quotes or as a JSON array', () => {
    assert.equal(parseCommandOverride('  '), undefined);
    assert.deepEqual(parseCommandOverride('python run.py --name "two words" \'x y\''), [
      'python',
      'run.py',
      '--name',
      'two words',
      'x y',
    ]);
    assert.deepEqual(parseCommandOverride('["sh", "-c", "echo $X"]'), ['sh', '-c', 'echo $X']);
    assert.throws(() => parseCommandOverride('[1, 2]'), /array of strings/);
    assert.throws(() => parseCommandOverride('[oops'), /not valid JSON/);
  });
});
