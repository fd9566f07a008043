import * as assert from 'node:assert/strict';
import type { JobDetail } from '@aws-sdk/client-batch';
import { FullLogDocuments } from '../../src/logs/fullLogDocuments';
import { JobNotFoundError } from '../../src/logs/jobLookup';
import { FakeBatch } from './helpers/fakeBatch';
import { FakeLogs } from './helpers/fakeLogs';

suite('FullLogDocuments', () => {
  test('open keeps the document under the key made of its location; render, hasOlder, forget', async () => {
    const batch = new FakeBatch();
    batch.add({
      jobId: 'j-1',
      jobName: 'train/a:b',
      jobQueue: 'q',
      jobDefinition: 'def',
      status: 'SUCCEEDED',
      container: { logStreamName: 'def/default/j-1' },
    } as JobDetail);
    const logs = new FakeLogs();
    logs.put('def/default/j-1', ['first', 'second']);
    const documents = new FullLogDocuments(async () => ({ batch, logsApi: async () => logs }));

    const key = await documents.open({ jobId: 'j-1' }, ({ path, query }) => `log:${path}?${query}`);
    assert.equal(key, 'log:/train_a_b.log?jobId=j-1');
    assert.ok(documents.has(key));
    assert.equal(documents.jobName(key), 'train/a:b');
    assert.equal(documents.hasOlder(key), false);
    const lines = documents.render(key, 'jobId=j-1').trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[1], / second$/);

    documents.forget(key);
    assert.equal(documents.has(key), false);
    assert.match(documents.render(key, 'jobId=j-1'), /opened in an earlier window.*job j-1/);
    assert.equal(documents.render(key, ''), '');
  });

  test('an unknown job is the one "not found" of jobLookup', async () => {
    const documents = new FullLogDocuments(async () => ({
      batch: new FakeBatch(),
      logsApi: async () => new FakeLogs(),
    }));
    await assert.rejects(
      documents.open({ jobId: 'nope' }, () => 'key'),
      (error) => error instanceof JobNotFoundError,
    );
  });
});
