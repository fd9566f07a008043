import * as assert from 'node:assert/strict';
import type { JobDetail } from '@aws-sdk/client-batch';
import type { LogChannel } from '../../src/logs/channelWriter';
import { FollowRegistry } from '../../src/logs/followRegistry';
import { describeError } from '../../src/shared/awsProblem';
import { FakeBatch } from './helpers/fakeBatch';
import { FakeLogs, waitFor } from './helpers/fakeLogs';

class FakeChannel implements LogChannel {
  text = '';
  shown = 0;
  disposed = false;
  constructor(readonly name: string) {}
  append(text: string): void {
    this.text += text;
  }
  appendLine(text: string): void {
    this.text += `${text}\n`;
  }
  clear(): void {
    this.text = '';
  }
  show(): void {
    this.shown++;
  }
  dispose(): void {
    this.disposed = true;
  }
}

function running(jobId: string, jobName: string): JobDetail {
  return {
    jobId,
    jobName,
    jobQueue: 'arn:aws:batch:us-east-1:1:job-queue/research',
    jobDefinition: 'def',
    status: 'RUNNING',
    createdAt: Date.now(),
    startedAt: Date.now(),
    container: { logStreamName: `def/default/${jobId}` },
  } as JobDetail;
}

function registry(batch: FakeBatch, logs: FakeLogs) {
  const channels: FakeChannel[] = [];
  const active: boolean[] = [];
  const written = new Map<string, string>();
  const follows = new FollowRegistry({
    connect: async () => ({ batch, logsApi: async () => logs }),
    createChannel: (name) => {
      const channel = new FakeChannel(name);
      channels.push(channel);
      return channel;
    },
    settings: () => ({ liveTail: false, timestamps: false, statusIntervalMs: 50 }),
    explain: (error, action) => describeError(error, action),
    log: { info: () => undefined, error: () => undefined },
    onActiveChanged: (anyActive) => active.push(anyActive),
  });
  follows.onDidWrite((jobId, text) => written.set(jobId, (written.get(jobId) ?? '') + text));
  return { follows, channels, active, written };
}

suite('FollowRegistry', () => {
  test('one channel per job, named after it; what it shows reaches onDidWrite; Stop Following keeps the channel', async () => {
    const batch = new FakeBatch();
    batch.add(running('j-1', 'train'));
    const logs = new FakeLogs();
    logs.put('def/default/j-1', ['hello']);
    const { follows, channels, active, written } = registry(batch, logs);

    const [first, second] = await Promise.all([follows.follow({ jobId: 'j-1' }), follows.follow({ jobId: 'j-1' })]);
    assert.equal(first, second, 'a second Show Logs joins the first');
    assert.equal(channels.length, 1);
    assert.equal(first.channel.name, 'AWS Batch: train');
    assert.deepEqual(
      follows.active().map((job) => job.jobId),
      ['j-1'],
    );
    await waitFor(() => /^hello$/m.test(written.get('j-1') ?? ''), 5000, 'the line');
    assert.match(written.get('j-1')!, /^── Following train \(j-1\), RUNNING on research\.$/m);

    assert.equal(follows.stop('j-1'), true);
    await first.done;
    assert.equal(first.active, false);
    assert.equal(follows.stop('j-1'), false, 'not followed any more');
    assert.match(written.get('j-1')!, /^── Stopped following train \(RUNNING\) ──$/m);
    assert.equal(channels[0].text, written.get('j-1'), 'onDidWrite saw exactly what the channel got');
    assert.equal(channels[0].disposed, false);
    assert.deepEqual(active, [true, false]);

    follows.dispose();
    assert.equal(channels[0].disposed, true);
  });

  test('a second job with the same name gets its id in the channel name', async () => {
    const batch = new FakeBatch();
    batch.add(running('aaaaaaaa-1', 'train'));
    batch.add(running('bbbbbbbb-2', 'train'));
    const { follows, channels } = registry(batch, new FakeLogs());
    await follows.follow({ jobId: 'aaaaaaaa-1' });
    await follows.follow({ jobId: 'bbbbbbbb-2' });
    assert.deepEqual(
      channels.map((c) => c.name),
      ['AWS Batch: train', 'AWS Batch: train (bbbbbbbb)'],
    );
    follows.dispose();
  });
});
