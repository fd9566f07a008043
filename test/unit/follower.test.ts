import * as assert from 'node:assert/strict';
import { FollowedLine, FollowerOptions, FollowProblem, LogFollower } from '../../src/logs/follower';
import { FakeClock } from './helpers/fakeClock';
import { awsError, FakeLogs, networkError } from './helpers/fakeLogs';

const G = '/aws/batch/job';
const source = (id: string, label?: string) => ({ id, label, logGroupName: G, logStreamName: id });

// The follower runs on a fake clock: time passes only in tick(), one millisecond at a time, with a
// turn of the event loop after each (FakeLogs answers after a setImmediate, like real I/O would).
const clock = () => new FakeClock(Date.now());

async function tick(time: FakeClock, ms: number): Promise<void> {
  for (let i = 0; i < ms; i++) {
    await time.advance(1);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Lets fake time pass until `check` holds, at most `timeoutMs` of it. */
async function waitFor(time: FakeClock, check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  for (let waited = 0; !check(); waited++) {
    if (waited > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await tick(time, 1);
  }
}

/** Lets fake time pass until `promise` settles. */
async function settled<T>(time: FakeClock, promise: Promise<T>, what = 'the follower to end'): Promise<T> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await waitFor(time, () => done, 60_000, what);
  return promise;
}

function follower(logs: FakeLogs, extra: Partial<FollowerOptions> = {}) {
  const time = clock();
  const lines: FollowedLine[] = [];
  const notices: string[] = [];
  const problems: (FollowProblem | undefined)[] = [];
  const f = new LogFollower({
    api: logs,
    onLines: (batch) => lines.push(...batch),
    onNotice: (text) => notices.push(text),
    onProblem: (problem) => problems.push(problem),
    clock: time,
    fastIntervalMs: 2,
    idleIntervalMs: 10,
    idlePerStreamMs: 0,
    settleMs: 20,
    maxHoldMs: 2000,
    missingGraceMs: 50,
    retryMaxMs: 20,
    ...extra,
  });
  return { f, lines, notices, problems, time };
}

function countOf(lines: FollowedLine[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line.message, (counts.get(line.message) ?? 0) + 1);
  return counts;
}

suite('LogFollower', () => {
  test('follows two streams written in bursts: every line once, merged in time order, labelled', async () => {
    const logs = new FakeLogs();
    const { f, lines, time } = follower(logs);
    f.addSource(source('m', 'manager'));
    f.addSource(source('w0', 'worker 0'));
    void f.start();
    const t0 = time.now();
    const written: string[] = [];
    for (let burst = 0; burst < 10; burst++) {
      const m = Array.from({ length: 5 }, (_, i) => `m-${burst}-${i}`);
      const w = Array.from({ length: 3 }, (_, i) => `w-${burst}-${i}`);
      logs.put('m', m, t0 + burst * 10);
      logs.put('w0', w, t0 + burst * 10 + 5);
      written.push(...m, ...w);
      await tick(time, 3 + (burst % 3) * 5);
    }
    f.finishSource('m');
    f.finishSource('w0');
    const outcome = await settled(time, f.end());
    assert.deepEqual(outcome, { kind: 'ended' });
    const counts = countOf(lines);
    assert.equal(lines.length, written.length);
    for (const message of written) assert.equal(counts.get(message), 1, message);
    for (let i = 1; i < lines.length; i++)
      assert.ok(
        lines[i - 1].timestamp <= lines[i].timestamp,
        `order at ${i}: ${lines.slice(Math.max(0, i - 3), i + 2).map((l) => `${l.message}@${l.timestamp}`)}`,
      );
    assert.ok(lines.every((l) => l.label === (l.message.startsWith('m') ? 'manager' : 'worker 0')));
  });

  test('errors and throttling in the middle lose and repeat nothing; the problem is reported once and cleared', async () => {
    const logs = new FakeLogs();
    const { f, lines, problems, time } = follower(logs);
    f.addSource(source('s'));
    void f.start();
    logs.put('s', ['one', 'two']);
    await waitFor(time, () => lines.length === 2);
    logs.put('s', ['three']);
    logs.failures.push(networkError(), networkError(), awsError('ThrottlingException', 'Rate exceeded'));
    await waitFor(time, () => lines.length === 3, 5000, 'line three');
    logs.put('s', ['four']);
    f.finishSource('s');
    await settled(time, f.end());
    assert.deepEqual(
      lines.map((l) => l.message),
      ['one', 'two', 'three', 'four'],
    );
    assert.equal(problems[0]?.kind, 'transient');
    assert.match(problems[0]?.message ?? '', /connection refused/);
    assert.equal(problems[problems.length - 1], undefined, 'cleared at the end');
    assert.ok(problems.length <= 4, `problems reported: ${problems.length}`);
  });

  test('access denied ends the follow with the reason', async () => {
    const logs = new FakeLogs();
    logs.failures.push(
      awsError(
        'AccessDeniedException',
        'User: arn:aws:iam::1:user/x is not authorized to perform: logs:GetLogEvents on resource',
      ),
    );
    const { f } = follower(logs);
    f.addSource(source('s'));
    const outcome = await f.start();
    assert.equal(outcome.kind, 'failed');
    assert.match(outcome.kind === 'failed' ? outcome.problem.message : '', /logs:GetLogEvents/);
  });

  test('a stream that never appears ends with a notice once its job is done', async () => {
    const logs = new FakeLogs();
    const { f, notices, time } = follower(logs);
    f.addSource(source('ghost'));
    void f.start();
    await tick(time, 20);
    f.finishSource('ghost');
    assert.deepEqual(await settled(time, f.end()), { kind: 'ended' });
    assert.ok(notices.some((n) => /No log stream ghost appeared/.test(n)));
  });

  test('lines written after the job ended but before the stream settled are still read', async () => {
    const logs = new FakeLogs();
    const { f, lines, time } = follower(logs, { settleMs: 150 });
    f.addSource(source('s'));
    void f.start();
    logs.put('s', ['during']);
    await waitFor(time, () => lines.length === 1);
    f.finishSource('s');
    const ending = f.end();
    await tick(time, 60);
    logs.put('s', ['flushed late']);
    await settled(time, ending);
    assert.deepEqual(
      lines.map((l) => l.message),
      ['during', 'flushed late'],
    );
  });

  test('stop() ends at once', async () => {
    const logs = new FakeLogs();
    const { f, time } = follower(logs);
    f.addSource(source('s'));
    const running = f.start();
    await tick(time, 10);
    f.stop();
    assert.deepEqual(await running, { kind: 'stopped' });
  });

  test('without Live Tail on the endpoint it says so and polls', async () => {
    const logs = new FakeLogs({ liveTail: 'unavailable' });
    const { f, lines, notices, time } = follower(logs);
    f.addSource(source('s'));
    void f.start();
    logs.put('s', ['polled']);
    await waitFor(time, () => lines.length === 1);
    f.finishSource('s');
    await settled(time, f.end());
    assert.ok(
      notices.includes('Live Tail is not available here; reading the log with GetLogEvents.'),
      notices.join('|'),
    );
    assert.equal(f.stats.liveTail, 'unavailable');
    assert.equal(f.stats.liveTailReason, 'not here');
  });

  test('with Live Tail: lines come from the session, the cursor fills what was sampled away, nothing twice', async () => {
    const logs = new FakeLogs({ liveTail: 'working' });
    const { f, lines, notices, time } = follower(logs, { liveReconcileMs: 40 });
    f.addSource(source('s'));
    logs.put('s', ['history']);
    void f.start();
    await waitFor(time, () => logs.liveSession !== undefined, 5000, 'a Live Tail session');
    const session = logs.liveSession!;
    assert.deepEqual(session.request.logStreamNames, ['s']);
    await waitFor(time, () => f.stats.liveTail === 'active');
    assert.ok(notices.includes('Live Tail connected.'));

    const live = logs.put('s', ['a', 'b', 'c']);
    session.send(live.map((e) => ({ ...e, logStreamName: 's' })));
    await waitFor(time, () => lines.length === 4, 5000, 'live lines');
    const callsBefore = logs.calls;
    await tick(time, 30);
    assert.ok(logs.calls - callsBefore <= 3, 'the cursor only reconciles while Live Tail works');

    const burst = logs.put('s', ['d', 'e', 'f']);
    session.send([{ ...burst[1], logStreamName: 's' }], true);
    await waitFor(time, () => lines.length === 7, 5000, 'sampled-away lines from the cursor');
    f.finishSource('s');
    await settled(time, f.end());
    const counts = countOf(lines);
    assert.deepEqual([...counts.keys()].sort(), ['a', 'b', 'c', 'd', 'e', 'f', 'history']);
    assert.ok(
      [...counts.values()].every((n) => n === 1),
      JSON.stringify([...counts]),
    );
    assert.equal(lines[0].message, 'history');
    assert.ok(session.closed, 'the session is closed at the end');
  });

  test('a new stream restarts the Live Tail session with every stream named', async () => {
    const logs = new FakeLogs({ liveTail: 'working' });
    const { f, time } = follower(logs);
    f.addSource(source('m', 'manager'));
    logs.createStream('m');
    void f.start();
    await waitFor(time, () => f.stats.liveTail === 'active');
    const first = logs.liveSession!;
    logs.createStream('w0');
    f.addSource(source('w0', 'worker 0'));
    await waitFor(time, () => logs.liveSession !== first && f.stats.liveTail === 'active', 5000, 'a second session');
    assert.deepEqual(logs.liveSession!.request.logStreamNames.sort(), ['m', 'w0']);
    f.stop();
  });
});
