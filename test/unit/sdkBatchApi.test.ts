// Paging and batching limits of the Batch API, checked on the commands the SDK would send.
// (moto returns every job in one page, so the integration tests cannot show paging.)
import * as assert from 'node:assert/strict';
import { DescribeJobsCommand, ListJobsCommand } from '@aws-sdk/client-batch';
import { stubbedBatchApi } from './helpers/batchClientStub';

suite('BatchApi over the SDK', () => {
  test('ListJobs follows nextToken with 1,000 per page', async () => {
    const sent: ListJobsCommand['input'][] = [];
    const pages = [
      { jobSummaryList: [{ jobId: 'a' }], nextToken: 't1' },
      { jobSummaryList: [{ jobId: 'b' }], nextToken: 't2' },
      { jobSummaryList: [{ jobId: 'c' }] },
    ];
    let calls = 0;
    const batch = {
      send: async (command: ListJobsCommand) => {
        // A copy: the SDK paginator reuses one input object for every page.
        sent.push({ ...command.input });
        return pages[calls++];
      },
    };
    const jobs = await stubbedBatchApi(batch.send).listJobs({ jobQueue: 'q', jobStatus: 'RUNNING' });
    assert.deepEqual(
      jobs.map((j) => j.jobId),
      ['a', 'b', 'c'],
    );
    assert.deepEqual(
      sent.map((input) => [input.maxResults, input.nextToken]),
      [
        [1000, undefined],
        [1000, 't1'],
        [1000, 't2'],
      ],
    );
  });

  test('DescribeJobs is sent in batches of at most 100 ids, without duplicates', async () => {
    const sizes: number[] = [];
    const batch = {
      send: async (command: DescribeJobsCommand) => {
        sizes.push(command.input.jobs?.length ?? 0);
        return { jobs: command.input.jobs?.map((jobId) => ({ jobId })) };
      },
    };
    const ids = Array.from({ length: 250 }, (_, i) => `j${i}`);
    const jobs = await stubbedBatchApi(batch.send).describeJobs([...ids, 'j0', 'j1']);
    assert.deepEqual(sizes, [100, 100, 50]);
    assert.equal(jobs.length, 250);
  });
});
