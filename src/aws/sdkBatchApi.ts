// BatchApi (./batchApi.ts) over the AWS SDK, on the SDK's own paginators. Part of the SDK bundle:
// load it with `await import('../bundles/aws')`.
import {
  BatchClient,
  CancelJobCommand,
  DeregisterJobDefinitionCommand,
  DescribeComputeEnvironmentsCommand,
  DescribeJobsCommand,
  KeyValuesPair,
  ListJobsCommandInput,
  paginateDescribeJobDefinitions,
  paginateDescribeJobQueues,
  paginateListJobs,
  RegisterJobDefinitionCommand,
  SubmitJobCommand,
  TerminateJobCommand,
} from '@aws-sdk/client-batch';
import { awsCall } from '../shared/errors';
import type { BatchApi, ListJobsScope } from './batchApi';

/** ListJobs returns at most 1,000 summaries per page. */
const LIST_PAGE = 1000;
/** DescribeJobs and DescribeComputeEnvironments accept at most 100 ids per call. */
const DESCRIBE_BATCH = 100;
/** DescribeJobQueues and DescribeJobDefinitions return at most 100 per page. */
const DESCRIBE_PAGE = 100;

export function createBatchApi(batch: BatchClient): BatchApi {
  return {
    describeJobQueues: (queues, signal) =>
      awsCall('batch:DescribeJobQueues', signal, async () => {
        const input = { jobQueues: queues?.length ? [...queues] : undefined };
        return collect(
          paginateDescribeJobQueues({ client: batch, pageSize: DESCRIBE_PAGE }, input, { abortSignal: signal }),
          (page) => page.jobQueues,
        );
      }),
    describeComputeEnvironments: (names, signal) =>
      awsCall('batch:DescribeComputeEnvironments', signal, () =>
        inBatches(names, async (chunk) => {
          const page = await batch.send(new DescribeComputeEnvironmentsCommand({ computeEnvironments: chunk }), {
            abortSignal: signal,
          });
          return page.computeEnvironments ?? [];
        }),
      ),
    listJobs: (scope, options = {}) =>
      awsCall('batch:ListJobs', options.signal, () =>
        collect(
          paginateListJobs({ client: batch, pageSize: LIST_PAGE }, listJobsInput(scope), {
            abortSignal: options.signal,
          }),
          (page) => page.jobSummaryList,
          options.maxPages,
        ),
      ),
    // One call after the other: a large array's children must not become a burst that Batch throttles.
    describeJobs: (ids, signal) =>
      awsCall('batch:DescribeJobs', signal, () =>
        inBatches(ids, async (chunk) => {
          const page = await batch.send(new DescribeJobsCommand({ jobs: chunk }), { abortSignal: signal });
          return page.jobs ?? [];
        }),
      ),
    describeJobDefinitions: (query, signal) =>
      awsCall('batch:DescribeJobDefinitions', signal, () =>
        collect(
          paginateDescribeJobDefinitions(
            { client: batch, pageSize: DESCRIBE_PAGE },
            { ...query },
            { abortSignal: signal },
          ),
          (page) => page.jobDefinitions,
        ),
      ),
    registerJobDefinition: (input, signal) =>
      awsCall('batch:RegisterJobDefinition', signal, async () => {
        const out = await batch.send(new RegisterJobDefinitionCommand(input), { abortSignal: signal });
        return { jobDefinitionArn: out.jobDefinitionArn ?? '', revision: out.revision ?? 0 };
      }),
    submitJob: (input, signal) =>
      awsCall('batch:SubmitJob', signal, async () => {
        const out = await batch.send(new SubmitJobCommand(input), { abortSignal: signal });
        return { jobId: out.jobId ?? '', jobName: out.jobName ?? input.jobName ?? '' };
      }),
    cancelJob: (jobId, reason) =>
      awsCall('batch:CancelJob', undefined, async () => {
        await batch.send(new CancelJobCommand({ jobId, reason }));
      }),
    terminateJob: (jobId, reason) =>
      awsCall('batch:TerminateJob', undefined, async () => {
        await batch.send(new TerminateJobCommand({ jobId, reason }));
      }),
    deregisterJobDefinition: (jobDefinition) =>
      awsCall('batch:DeregisterJobDefinition', undefined, async () => {
        await batch.send(new DeregisterJobDefinitionCommand({ jobDefinition }));
      }),
  };
}

function listJobsInput(scope: ListJobsScope): ListJobsCommandInput {
  if ('arrayJobId' in scope) return { arrayJobId: scope.arrayJobId };
  if ('jobStatus' in scope)
    return { jobQueue: scope.jobQueue, jobStatus: scope.jobStatus as ListJobsCommandInput['jobStatus'] };
  const filters: KeyValuesPair[] =
    'jobName' in scope
      ? [{ name: 'JOB_NAME', values: [scope.jobName] }]
      : [{ name: 'AFTER_CREATED_AT', values: [String(Math.floor(scope.createdAfter))] }];
  return { jobQueue: scope.jobQueue, filters };
}

/** Every item of every page (or of the first `maxPages`). */
async function collect<Page, Item>(
  pages: AsyncIterable<Page>,
  items: (page: Page) => Item[] | undefined,
  maxPages = Infinity,
): Promise<Item[]> {
  const all: Item[] = [];
  let count = 0;
  for await (const page of pages) {
    all.push(...(items(page) ?? []));
    if (++count >= maxPages) break;
  }
  return all;
}

/** The unique ids in chunks of 100, one call after the other. */
async function inBatches<Item>(ids: readonly string[], call: (chunk: string[]) => Promise<Item[]>): Promise<Item[]> {
  const unique = [...new Set(ids)];
  const found: Item[] = [];
  for (let i = 0; i < unique.length; i += DESCRIBE_BATCH)
    found.push(...(await call(unique.slice(i, i + DESCRIBE_BATCH))));
  return found;
}
