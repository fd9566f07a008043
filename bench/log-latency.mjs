// npm run bench -- log-latency
// Time from PutLogEvents to the line delivered, for Show Logs' follower (with the extension's defaults:
// one shared limit of 4 GetLogEvents/s, adaptive polling; moto has no Live Tail) and, on the same
// stream at the same time, `aws logs tail --follow` (the AWS CLI v2, Debian's awscli at /usr/bin/aws).
// 1,000 events at 50/s, one PutLogEvents call each. Prints one JSON line, naming the peer and its
// version. Target: ratio (ours / CLI median) ≤ 0.3.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { compileTests, logger, root, standInEndpoint } from './lib/common.mjs';
import { awsCliPeer, motoStandIn } from './lib/peers.mjs';

const log = logger('log-latency');
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

const endpoint = standInEndpoint();
const peer = awsCliPeer();
const CLI = peer.path;
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1000);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const group = `/batch-runner-bench/latency-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const stream = 'job/default/latency';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.timeOrigin + performance.now();

const writer = new CloudWatchLogsClient({});
const clients = await createAwsClients({});
const followerClient = createFollowerLogsClient(clients.logs, clients.target);
const sent = new Map();
const ours = new Map();
const cli = new Map();
const record = (into, text) => {
  const match = /lat (-?\d+)/.exec(text);
  if (match && !into.has(match[1])) into.set(match[1], now());
};

let tail;
let follower;
try {
  await writer.send(new CreateLogGroupCommand({ logGroupName: group }));
  await writer.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));

  follower = new LogFollower({
    api: new AwsLogsApi(followerClient, new RateLimiter({ ratePerSecond: 4 })),
    onLines: (lines) => {
      for (const line of lines) record(ours, line.message);
    },
  });
  follower.addSource({ id: stream, logGroupName: group, logStreamName: stream });
  void follower.start();

  tail = spawn(
    CLI,
    [
      '--endpoint-url',
      endpoint,
      'logs',
      'tail',
      group,
      '--log-stream-names',
      stream,
      '--follow',
      '--format',
      'short',
      '--since',
      '5m',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  createInterface({ input: tail.stdout }).on('line', (line) => record(cli, line));

  // Both readers must be following before the clock starts: wait until both showed a warm-up line.
  await writer.send(
    new PutLogEventsCommand({
      logGroupName: group,
      logStreamName: stream,
      logEvents: [{ timestamp: Date.now(), message: 'lat -1' }],
    }),
  );
  const ready = Date.now() + 30_000;
  while (!(ours.has('-1') && cli.has('-1'))) {
    if (Date.now() > ready) throw new Error('the readers did not start within 30 s');
    await sleep(50);
  }
  ours.delete('-1');
  cli.delete('-1');
  log(`both following; writing ${EVENTS} events at ${RATE}/s`);

  const start = now();
  for (let i = 0; i < EVENTS; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - now();
    if (wait > 0) await sleep(wait);
    sent.set(String(i), now());
    await writer.send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: stream,
        logEvents: [{ timestamp: Date.now(), message: `lat ${i}` }],
      }),
    );
  }
  const deadline = Date.now() + 20_000;
  while ((ours.size < EVENTS || cli.size < EVENTS) && Date.now() < deadline) await sleep(100);
} finally {
  follower?.stop();
  if (tail && tail.exitCode === null) tail.kill('SIGTERM');
  await writer.send(new DeleteLogGroupCommand({ logGroupName: group })).catch(() => undefined);
  writer.destroy();
  followerClient.destroy();
  clients.destroy();
}

function stats(received) {
  const latencies = [...sent].filter(([seq]) => received.has(seq)).map(([seq, t]) => received.get(seq) - t);
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { median: at(0.5), p95: at(0.95), missing: sent.size - latencies.length };
}
const o = stats(ours);
const c = stats(cli);
console.log(
  JSON.stringify({
    bench: 'log-latency',
    peer,
    stand_in: { ...motoStandIn(endpoint), endpoint },
    median_ms: Math.round(o.median),
    p95_ms: Math.round(o.p95),
    cli_median_ms: Math.round(c.median),
    ratio: Number((o.median / c.median).toFixed(3)),
    cli_p95_ms: Math.round(c.p95),
    events: EVENTS,
    rate_per_s: RATE,
    missing: o.missing,
    cli_missing: c.missing,
    target_ratio: 0.3,
  }),
);
