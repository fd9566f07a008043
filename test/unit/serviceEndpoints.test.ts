// Download Results' S3 client and the log followers' Logs client are made apart from createAwsClients;
// they still call each service's own endpoint: AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_CLOUDWATCH_LOGS
// and the profile's `services` section win over the global endpoint. Checked with real HTTP servers on
// 127.0.0.1 (each records the requests it got) and a real config file in a temp folder.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { createAwsClients } from '../../src/aws/clients';
import { createFollowerLogsClient } from '../../src/aws/logsFollowApi';
import { createDownloadApi } from '../../src/aws/s3Results';

interface Recorder {
  name: string;
  url: string;
  requests: string[];
  server: Server;
}

/** A server that records each request's method and path, and answers as S3 or Logs would for none. */
async function recorder(name: string): Promise<Recorder> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    request.resume();
    request.on('end', () => {
      if (request.headers['x-amz-target']) {
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        response.end('{"events":[]}');
      } else {
        response.writeHead(200, { 'content-type': 'application/xml' });
        response.end('<?xml version="1.0"?><ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { name, url: `http://127.0.0.1:${port}`, requests, server };
}

const VARIABLES = [
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_PROFILE',
  'AWS_REGION',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_S3',
  'AWS_ENDPOINT_URL_CLOUDWATCH_LOGS',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
];

suite('per-service endpoints of the download and follower clients', () => {
  let dir: string;
  let global: Recorder;
  let s3: Recorder;
  let logs: Recorder;
  const saved: Record<string, string | undefined> = {};

  suiteSetup(async () => {
    [global, s3, logs] = await Promise.all([recorder('global'), recorder('s3'), recorder('logs')]);
    dir = mkdtempSync(join(tmpdir(), 'service-endpoints-'));
    writeFileSync(
      join(dir, 'config'),
      `[profile split]\nregion = us-east-1\nendpoint_url = ${global.url}\nservices = split\n\n` +
        `[profile global-only]\nregion = us-east-1\nendpoint_url = ${global.url}\n\n` +
        `[services split]\ns3 =\n  endpoint_url = ${s3.url}\ncloudwatch_logs =\n  endpoint_url = ${logs.url}\n`,
    );
    // dummy keys: the requests are signed, and only the recorders on 127.0.0.1 see them
    const keys = 'aws_access_key_id = testing\naws_secret_access_key = testing\n';
    writeFileSync(join(dir, 'credentials'), `[split]\n${keys}\n[global-only]\n${keys}`);
  });

  setup(() => {
    for (const name of VARIABLES) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
    for (const r of [global, s3, logs]) r.requests.length = 0;
  });

  teardown(() => {
    for (const name of VARIABLES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  suiteTeardown(async () => {
    rmSync(dir, { recursive: true, force: true });
    await Promise.all([global, s3, logs].map((r) => new Promise((resolve) => r.server.close(resolve))));
  });

  /** Lists a prefix through Download Results' API and reads a log through the followers' client. */
  async function callBoth(profile: string): Promise<void> {
    const clients = await createAwsClients({ profile });
    const download = createDownloadApi(clients.s3, clients.target, 2);
    const follower = createFollowerLogsClient(clients.logs, clients.target);
    try {
      assert.deepEqual(await download.listObjects('results', 'runs/', undefined), {
        objects: [],
        nextToken: undefined,
      });
      await follower.send(new GetLogEventsCommand({ logGroupName: '/aws/batch/job', logStreamName: 'a/b/c' }));
    } finally {
      download.destroy();
      follower.destroy();
      clients.destroy();
    }
  }

  const hits = () => ({ global: global.requests.length, s3: s3.requests.length, logs: logs.requests.length });

  test("the profile's services section wins over its endpoint_url", async () => {
    await callBoth('split');
    assert.deepEqual(hits(), { global: 0, s3: 1, logs: 1 });
    assert.match(s3.requests[0], /^GET \/results\/?\?list-type=2/);
    assert.equal(logs.requests[0], 'POST /');
  });

  test('AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL_CLOUDWATCH_LOGS win over AWS_ENDPOINT_URL', async () => {
    process.env.AWS_ENDPOINT_URL = global.url;
    process.env.AWS_ENDPOINT_URL_S3 = s3.url;
    process.env.AWS_ENDPOINT_URL_CLOUDWATCH_LOGS = logs.url;
    await callBoth('global-only');
    assert.deepEqual(hits(), { global: 0, s3: 1, logs: 1 });
  });

  test('with only a global endpoint both go there', async () => {
    await callBoth('global-only');
    assert.deepEqual(hits(), { global: 2, s3: 0, logs: 0 });
  });
});
