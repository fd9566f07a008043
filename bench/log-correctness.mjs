// npm run bench -- log-correctness
// 100,000 lines written in bursts to four streams (a manager and three workers) while Show Logs'
// follower reads them through a proxy that throttles, drops answers and restarts mid-way. Counts
// lines lost and lines delivered twice (both must be 0), and lines out of their stream's order.
// Prints one JSON line. No peer: the JSON names the moto it ran on.

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { compileTests, logger, root, standInEndpoint } from './lib/common.mjs';
import { motoStandIn } from './lib/peers.mjs';

const log = logger('log-correctness');
compileTests();
const {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  PutLogEventsCommand,
} = await import('@aws-sdk/client-cloudwatch-logs');
const { createAwsClients } = await import(join(root, 'out/src/aws/clients.js'));
const { AwsLogsApi, createFollowerLogsClient } = await import(join(root, 'out/src/aws/logsFollowApi.js'));
const { LogFollower } = await import(join(root, 'out/src/logs/follower.js'));
const { RateLimiter } = await import(join(root, 'out/src/logs/rateLimiter.js'));
const { FaultProxy } = await import(join(root, 'out/test/integration/helpers/faultProxy.js'));

const endpoint = standInEndpoint();
const LINES = Number(process.env.BENCH_LINES ?? 100_000);
const STREAMS = ['manager', 'worker 0', 'worker 1', 'worker 2'];
const BURST = 1000;
const group = `/batch-runner-bench/correctness-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const writer = new CloudWatchLogsClient({});
const proxy = new FaultProxy(new URL(endpoint));
await proxy.start();
const clients = await createAwsClients({ endpointUrl: proxy.url });
const followerClient = createFollowerLogsClient(clients.logs, clients.target);
const limiter = new RateLimiter({ ratePerSecond: 4 });
const seen = new Map();
let delivered = 0;
let outOfOrder = 0;
let mergeOutOfOrder = 0;
let lastTimestamp = -Infinity;
const lastSeq = new Map();
const faults = [];
const problems = [];
const t0 = Date.now();

let follower;
try {
  await writer.send(new CreateLogGroupCommand({ logGroupName: group }));
  for (const name of STREAMS)
    await writer.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: name }));
  follower = new LogFollower({
    api: new AwsLogsApi(followerClient, limiter),
    onProblem: (problem) => problems.push(problem?.kind ?? 'cleared'),
    onLines: (lines) => {
      for (const line of lines) {
        delivered++;
        seen.set(line.message, (seen.get(line.message) ?? 0) + 1);
        const [stream, seq] = line.message.split('#');
        if (Number(seq) <= (lastSeq.get(stream) ?? -1)) outOfOrder++;
        lastSeq.set(stream, Number(seq));
        if (line.timestamp < lastTimestamp) mergeOutOfOrder++;
        lastTimestamp = line.timestamp;
      }
    },
  });
  for (const name of STREAMS) follower.addSource({ id: name, label: name, logGroupName: group, logStreamName: name });
  void follower.start();

  const perStream = LINES / STREAMS.length;
  const bursts = Math.ceil(perStream / BURST);
  let timestamp = Date.now() - 60_000;
  for (let b = 0; b < bursts; b++) {
    const progress = b / bursts;
    if (b === Math.floor(bursts * 0.2)) {
      proxy.throttleUntil = Date.now() + 2000;
      faults.push('throttled 2 s');
    }
    if (b === Math.floor(bursts * 0.4)) {
      await proxy.stop();
      faults.push('endpoint down 2 s');
      setTimeout(() => void proxy.start(), 2000);
    }
    if (b === Math.floor(bursts * 0.6)) {
      proxy.dropNext = 5;
      faults.push('5 answers dropped');
    }
    if (b === Math.floor(bursts * 0.8)) {
      proxy.throttleNext = 6;
      faults.push('6 reads throttled');
    }
    for (const [s, name] of STREAMS.entries()) {
      const first = b * BURST;
      const count = Math.min(BURST, perStream - first);
      if (count <= 0) continue;
      const events = Array.from({ length: count }, (_, i) => ({
        timestamp: timestamp + i * STREAMS.length + s,
        message: `${name}#${first + i}`,
      }));
      await writer.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: name, logEvents: events }));
    }
    timestamp += BURST * STREAMS.length;
    if (progress < 1) await sleep(200);
  }
  log(`wrote ${LINES} lines in ${((Date.now() - t0) / 1000).toFixed(1)} s; faults: ${faults.join(', ')}`);
  for (const name of STREAMS) follower.finishSource(name);
  const outcome = await follower.end();
  if (outcome.kind !== 'ended') throw new Error(`follower ended: ${JSON.stringify(outcome)}`);
} finally {
  follower?.stop();
  await writer.send(new DeleteLogGroupCommand({ logGroupName: group })).catch(() => undefined);
  writer.destroy();
  followerClient.destroy();
  clients.destroy();
  await proxy.stop();
}

let lost = 0;
let duplicated = 0;
for (const name of STREAMS) {
  for (let i = 0; i < LINES / STREAMS.length; i++) {
    const n = seen.get(`${name}#${i}`) ?? 0;
    if (n === 0) lost++;
    if (n > 1) duplicated += n - 1;
  }
}
console.log(
  JSON.stringify({
    bench: 'log-correctness',
    peer: null,
    stand_in: { ...motoStandIn(endpoint), endpoint },
    lines: LINES,
    lost,
    duplicated,
    delivered,
    out_of_stream_order: outOfOrder,
    out_of_time_order: mergeOutOfOrder,
    streams: STREAMS.length,
    faults,
    throttled_answers: proxy.throttled,
    problems_reported: problems,
    get_log_events: proxy.requests.filter((r) => r.operation === 'GetLogEvents').length,
    peak_requests_per_s: proxy.maxPerSecond('GetLogEvents'),
    s: Number(((Date.now() - t0) / 1000).toFixed(1)),
  }),
);
