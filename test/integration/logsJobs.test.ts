// Show Logs' session against real Batch jobs in moto (each job a real container): a manager job with
// the run tags and a two-worker array job tagged with the manager's id, as the runtime submits them.
// The log stream names come from DescribeJobs; moto writes a job's output when its container exits.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BatchClient, DeregisterJobDefinitionCommand, SubmitJobCommand } from '@aws-sdk/client-batch';
import { AwsClients, createAwsClients } from '../../src/aws/clients';
import { AwsLogsApi, createFollowerLogsClient } from '../../src/aws/logsFollowApi';
import { FollowedLine, LogFollower } from '../../src/logs/follower';
import { formatLines } from '../../src/logs/format';
import { JobLogSession, summaryLine } from '../../src/logs/jobSession';
import { RateLimiter } from '../../src/logs/rateLimiter';
import { registerBusyboxDefinition } from '../helpers/jobDefinitions';

const suffix = () => `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

suite('Show Logs on Batch jobs in moto', function () {
  this.timeout(180_000);
  let clients: AwsClients;
  let batch: BatchClient;
  let definition: string | undefined;
  const name = `logs-run-${suffix()}`;

  suiteSetup(async () => {
    if (!process.env.AWS_ENDPOINT_URL)
      throw new Error('Start the stand-ins first: eval "$(bash scripts/backend.sh env)"');
    clients = await createAwsClients({});
    // The test's own calls (register, submit) go straight to moto; the session uses the extension's BatchApi.
    batch = new BatchClient({ region: clients.target.region, endpoint: clients.target.endpoint });
    definition = await registerBusyboxDefinition(batch, name, [
      'sh',
      '-c',
      'echo "hello from $AWS_BATCH_JOB_ID"; sleep 1; echo "bye from $AWS_BATCH_JOB_ID"',
    ]);
  });

  suiteTeardown(async () => {
    if (definition) await batch.send(new DeregisterJobDefinitionCommand({ jobDefinition: definition })).catch(() => {});
    clients?.destroy();
  });

  test('a manager and its worker array: every stream followed, prefixed, merged, with a final status line', async () => {
    const runId = suffix();
    const manager = await batch.send(
      new SubmitJobCommand({
        jobName: name,
        jobQueue: 'research-queue',
        jobDefinition: definition,
        tags: {
          'batch-runner:run-id': runId,
          'batch-runner:role': 'manager',
          'batch-runner:run-uri': `s3://batch-runner-results/runs/${runId}/`,
        },
      }),
    );
    const workers = await batch.send(
      new SubmitJobCommand({
        jobName: `${name}-workers`,
        jobQueue: 'research-queue',
        jobDefinition: definition,
        arrayProperties: { size: 2 },
        tags: {
          'batch-runner:run-id': runId,
          'batch-runner:role': 'worker',
          'batch-runner:manager-job-id': manager.jobId!,
        },
      }),
    );

    const lines: FollowedLine[] = [];
    const notices: string[] = [];
    const logsClient = createFollowerLogsClient(clients.logs, clients.target);
    try {
      const follower = new LogFollower({
        api: new AwsLogsApi(logsClient, new RateLimiter({ ratePerSecond: 4 })),
        onLines: (batchOfLines) => lines.push(...batchOfLines),
        onNotice: (text) => notices.push(text),
        settleMs: 1000,
      });
      const session = new JobLogSession({
        jobs: clients.batch,
        follower,
        jobId: manager.jobId!,
        onNotice: (text) => notices.push(text),
        statusIntervalMs: 1000,
      });
      const summary = await session.run();
      const text = formatLines(lines);
      assert.equal(summary.outcome.kind, 'ended', notices.join(' | '));
      assert.equal(summary.job.status, 'SUCCEEDED', summary.job.statusReason);
      assert.deepEqual(summary.workers, { total: 2, succeeded: 2, failed: 0, unfinished: 0 });
      const expected = [
        `[manager] hello from ${manager.jobId}`,
        `[manager] bye from ${manager.jobId}`,
        `[worker 0] hello from ${workers.jobId}:0`,
        `[worker 0] bye from ${workers.jobId}:0`,
        `[worker 1] hello from ${workers.jobId}:1`,
        `[worker 1] bye from ${workers.jobId}:1`,
      ];
      assert.deepEqual(text.trim().split('\n').sort(), [...expected].sort(), text);
      // moto writes a job's whole log when its container exits, so streams appear one after another
      // and lines from different jobs may come out of time order here; within a stream, order holds.
      // (Timestamp merging of live streams is tested in logs.test.ts.)
      for (const label of ['manager', 'worker 0', 'worker 1']) {
        const own = lines.filter((l) => l.label === label).map((l) => l.message.split(' ')[0]);
        assert.deepEqual(own, ['hello', 'bye'], text);
      }
      assert.ok(notices.includes(`Following 2 workers (job ${name}-workers).`), notices.join(' | '));
      assert.equal(summaryLine(summary, lines.length), `── ${name} SUCCEEDED · 2 workers: 2 succeeded · 6 lines ──`);
    } finally {
      logsClient.destroy();
    }
  });
});
