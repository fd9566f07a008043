// Log following against moto (CloudWatch Logs stand-in): the test writes events with PutLogEvents
// while the follower reads them through a fault-injecting proxy it starts and stops itself.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { AwsClients, createAwsClients } from '../../src/aws/clients';
import { AwsLogsApi, createFollowerLogsClient } from '../../src/aws/logsFollowApi';
import { FollowedLine, FollowerOptions, FollowProblem, LogFollower } from '../../src/logs/follower';
import { FullLog } from '../../src/logs/fullLog';
import { RateLimiter } from '../../src/logs/rateLimiter';
import { FaultProxy } from './helpers/faultProxy';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const suffix = () => `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

suite('log following against moto', function () {
  this.timeout(120_000);
  let writer: CloudWatchLogsClient;
  let proxy: FaultProxy;
  let reader: AwsClients;
  let readerLogs: CloudWatchLogsClient;
  let group: string;

  suiteSetup(async function () {
    const endpoint = process.env.AWS_ENDPOINT_URL;
    if (!endpoint) throw new Error('Start the stand-ins first: eval "$(bash scripts/backend.sh env)"');
    writer = new CloudWatchLogsClient({});
    proxy = new FaultProxy(new URL(endpoint));
    await proxy.start();
    reader = await createAwsClients({ endpointUrl: proxy.url });
    readerLogs = createFollowerLogsClient(reader.logs, reader.target);
    group = `/batch-runner-test/logs-${suffix()}`;
    await writer.send(new CreateLogGroupCommand({ logGroupName: group }));
  });

  suiteTeardown(async () => {
    await writer?.send(new DeleteLogGroupCommand({ logGroupName: group })).catch(() => undefined);
    writer?.destroy();
    readerLogs?.destroy();
    reader?.destroy();
    await proxy?.stop();
  });

  setup(() => {
    proxy.throttleNext = 0;
    proxy.throttleUntil = 0;
    proxy.throttled = 0;
    proxy.dropNext = 0;
    proxy.requests.length = 0;
  });

  async function stream(name: string): Promise<string> {
    await writer.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: name }));
    return name;
  }

  async function put(name: string, events: { timestamp: number; message: string }[]): Promise<void> {
    await writer.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: name, logEvents: events }));
  }

  function follow(limiter: RateLimiter, extra: Partial<FollowerOptions> = {}) {
    const lines: FollowedLine[] = [];
    const notices: string[] = [];
    const problems: (FollowProblem | undefined)[] = [];
    const follower = new LogFollower({
      api: new AwsLogsApi(readerLogs, limiter),
      onLines: (batch) => lines.push(...batch),
      onNotice: (text) => notices.push(text),
      onProblem: (problem) => problems.push(problem),
      settleMs: 300,
      retryMaxMs: 1000,
      ...extra,
    });
    return { follower, lines, notices, problems };
  }

  /** Writes `bursts` bursts of `size` events, `gapMs` apart; returns the messages in order. */
  async function writeBursts(
    name: string,
    bursts: number,
    size: number,
    gapMs: number,
    during?: (i: number) => unknown,
  ) {
    const written: string[] = [];
    let t = Date.now();
    for (let b = 0; b < bursts; b++) {
      const events = Array.from({ length: size }, (_, i) => ({ timestamp: t + i, message: `${name} ${b}.${i}` }));
      t += size;
      await put(name, events);
      written.push(...events.map((e) => e.message));
      await during?.(b);
      await sleep(gapMs);
    }
    return written;
  }

  test('follows a stream written in bursts: every line once, in order; without Live Tail on moto it polls', async () => {
    const name = await stream(`bursts-${suffix()}`);
    const { follower, lines, notices } = follow(new RateLimiter({ ratePerSecond: 4 }));
    follower.addSource({ id: name, logGroupName: group, logStreamName: name });
    void follower.start();
    const written = await writeBursts(name, 20, 50, 100);
    follower.finishSource(name);
    assert.deepEqual(await follower.end(), { kind: 'ended' });
    assert.deepEqual(
      lines.map((l) => l.message),
      written,
    );
    assert.ok(
      notices.some((n) => /^Live Tail is not available here/.test(n)),
      `notices: ${notices.join(' | ')}`,
    );
  });

  test('a manager and two workers: merged in timestamp order with [manager] / [worker N] prefixes', async () => {
    const names = [`m-${suffix()}`, `w0-${suffix()}`, `w1-${suffix()}`];
    const labels = ['manager', 'worker 0', 'worker 1'];
    for (const name of names) await stream(name);
    const { follower, lines } = follow(new RateLimiter({ ratePerSecond: 4 }));
    names.forEach((name, i) =>
      follower.addSource({ id: name, label: labels[i], logGroupName: group, logStreamName: name }),
    );
    void follower.start();
    const expected: string[] = [];
    let t = Date.now();
    for (let burst = 0; burst < 8; burst++) {
      // Interleaved timestamps across the three streams, written stream by stream in a shuffled order.
      const perStream = names.map((_, s) =>
        Array.from({ length: 6 }, (_, i) => ({ timestamp: t + i * 3 + s, message: `${labels[s]} ${burst}.${i}` })),
      );
      t += 18;
      for (const s of [2, 0, 1]) await put(names[s], perStream[s]);
      expected.push(
        ...perStream
          .flat()
          .sort((a, b) => a.timestamp - b.timestamp)
          .map((e) => `[${e.message.replace(/ \d+\.\d+$/, '')}] ${e.message}`),
      );
      await sleep(150);
    }
    for (const name of names) follower.finishSource(name);
    await follower.end();
    assert.deepEqual(
      lines.map((l) => `[${l.label}] ${l.message}`),
      expected,
    );
  });

  test('throttling mid-follow: nothing lost or repeated, and never more than 5 GetLogEvents per second', async () => {
    const names = [`t0-${suffix()}`, `t1-${suffix()}`, `t2-${suffix()}`];
    for (const name of names) await stream(name);
    // Three followers, as for three jobs, sharing the extension's one limiter.
    const limiter = new RateLimiter({ ratePerSecond: 4 });
    const follows = names.map((name) => {
      const f = follow(limiter, { fastIntervalMs: 50 });
      f.follower.addSource({ id: name, logGroupName: group, logStreamName: name });
      void f.follower.start();
      return f;
    });
    const written = await Promise.all(
      names.map((name) =>
        writeBursts(name, 12, 30, 150, (b) => {
          // The account's limit is hit for two seconds: every read in that time is refused.
          if (b === 3 && name === names[0]) proxy.throttleUntil = Date.now() + 2000;
        }),
      ),
    );
    names.forEach((name, i) => follows[i].follower.finishSource(name));
    await Promise.all(follows.map((f) => f.follower.end()));
    follows.forEach((f, i) =>
      assert.deepEqual(
        f.lines.map((l) => l.message),
        written[i],
      ),
    );
    assert.ok(proxy.throttled >= 3, `reads answered "throttled": ${proxy.throttled}`);
    assert.equal(limiter.stats.throttled, proxy.throttled, 'the limiter saw every throttling answer');
    assert.ok(proxy.maxPerSecond('GetLogEvents') <= 5, `peak ${proxy.maxPerSecond('GetLogEvents')} requests/s`);
  });

  test('the endpoint goes away and comes back mid-follow: the gap is filled, nothing repeated', async () => {
    const name = await stream(`restart-${suffix()}`);
    const { follower, lines, problems } = follow(new RateLimiter({ ratePerSecond: 4 }));
    follower.addSource({ id: name, logGroupName: group, logStreamName: name });
    void follower.start();
    const written = await writeBursts(name, 20, 25, 150, async (b) => {
      if (b === 4) await proxy.stop();
      if (b === 16) await proxy.start(); // about two seconds later
    });
    follower.finishSource(name);
    await follower.end();
    assert.deepEqual(
      lines.map((l) => l.message),
      written,
    );
    assert.equal(problems[0]?.kind, 'transient');
    assert.match(problems[0]?.message ?? '', /Cannot reach .*connection refused/);
    assert.equal(problems[problems.length - 1], undefined, 'the problem cleared once the endpoint was back');
  });

  test('answers lost after moto served them are asked again without repeating a line', async () => {
    const name = await stream(`dropped-${suffix()}`);
    const { follower, lines } = follow(new RateLimiter({ ratePerSecond: 4 }));
    follower.addSource({ id: name, logGroupName: group, logStreamName: name });
    void follower.start();
    const written = await writeBursts(name, 10, 20, 120, (b) => {
      if (b % 3 === 1) proxy.dropNext = 2;
    });
    follower.finishSource(name);
    await follower.end();
    assert.deepEqual(
      lines.map((l) => l.message),
      written,
    );
    assert.ok(proxy.requests.length > 0);
  });

  test('the full log reads backwards page by page until the whole stream is there', async () => {
    const name = await stream(`full-${suffix()}`);
    const t = Date.now() - 60_000;
    const messages = Array.from({ length: 12_345 }, (_, i) => `event ${i}`);
    for (let i = 0; i < messages.length; i += 5000) {
      await put(
        name,
        messages.slice(i, i + 5000).map((message, k) => ({ timestamp: t + i + k, message })),
      );
    }
    const log = new FullLog(new AwsLogsApi(readerLogs, new RateLimiter({ ratePerSecond: 4 })), [
      { logGroupName: group, logStreamName: name },
    ]);
    await log.load();
    assert.equal(log.visible().length, 10_000);
    assert.equal(log.hasOlder, true);
    await log.loadOlder();
    while (log.hasOlder) await log.loadOlder();
    assert.deepEqual(
      log.visible().map((v) => v.event.message),
      messages,
    );
  });
});
