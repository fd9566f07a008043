// Create Run Configuration offers what the account has (moto's fixture) and writes a file that Submit accepts.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AwsClients } from '../../src/aws/clients';
import { wizardSources } from '../../src/aws/listings';
import { loadRunConfig } from '../../src/config/loadConfig';
import { PickItem, Prompter, renderConfig, runWizard } from '../../src/config/wizard';
import { BUCKET, QUEUE, clients, makeWorkspace, removeTempDirs, requireStandIns } from './submitFixture';

suite('Create Run Configuration against moto', () => {
  let aws: AwsClients;

  suiteSetup(async () => {
    requireStandIns();
    aws = await clients();
  });

  suiteTeardown(() => {
    aws?.destroy();
    removeTempDirs();
  });

  test('the quick picks list the live queues, repositories and buckets, and the file loads', async () => {
    const offered = new Map<string, string[]>();
    const picks: Record<string, string> = {
      'job queue': QUEUE,
      'ECR repository': 'batch-runner-demo',
      'results bucket': BUCKET,
      'what to run': 'cluster',
    };
    const prompter: Prompter = {
      async pick<T>(step: { title: string; items: PickItem<T>[] }) {
        const what = step.title.replace(/^.*: /, '');
        offered.set(
          what,
          step.items.map((item) => String(item.value)),
        );
        return step.items.find((item) => item.value === (picks[what] as unknown))?.value;
      },
      async input(step) {
        return step.value;
      },
    };
    const dir = makeWorkspace({ Dockerfile: 'FROM local/busybox:latest\n' });
    const config = await runWizard(
      prompter,
      wizardSources(async () => aws),
      'wizard demo',
    );
    assert.ok(config, 'the wizard was not completed');
    assert.ok(
      offered.get('job queue')?.includes('research-queue') && offered.get('job queue')?.includes('priority-queue'),
    );
    assert.ok(offered.get('ECR repository')?.includes('batch-runner-demo'));
    assert.equal(offered.get('ECR repository')?.[0], 'wizard-demo', 'a new repository named after the run comes first');
    assert.ok(offered.get('results bucket')?.includes(BUCKET));
    writeFileSync(join(dir, 'aws-batch.json'), renderConfig(config));
    const loaded = await loadRunConfig(dir);
    assert.equal(loaded.config.name, 'wizard-demo');
    assert.equal(loaded.config.jobQueue, QUEUE);
    assert.equal(loaded.config.repository, 'batch-runner-demo');
    assert.equal(loaded.config.results.bucket, BUCKET);
    assert.deepEqual(loaded.config.cluster, { manager: ['python', 'main.py'], worker: ['python', 'worker.py'] });
    assert.equal(loaded.config.workers, 2);
  });
});
