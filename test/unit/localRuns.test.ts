import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalRunFiles } from '../../src/results/localRunFiles';
import { routeRunFiles } from '../../src/results/runFilesRouter';
import { folderUriOf } from '../../src/results/runUris';
import { RunsModel } from '../../src/models/runs/runsModel';
import { explainAwsError } from '../../src/shared/awsProblem';
import { FakeBatch } from './helpers/fakeBatch';

const RUN = 'local-20261201-120000-abcdef';

suite('local runs in the Runs view (file:// run folders)', () => {
  let dir: string;
  setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'local-runs-'));
  });
  teardown(() => rmSync(dir, { recursive: true, force: true }));

  test('the disk API: folders, conditional reads by size and time, atomic writes, deletes', async () => {
    const files = createLocalRunFiles();
    const base = folderUriOf(dir);
    assert.deepEqual(await files.listFolders(`${base}missing/`), [], 'no runs folder yet: no runs');
    await files.write(`${base}${RUN}/progress.json`, '{"a":1}');
    assert.deepEqual(await files.listFolders(base), [RUN]);
    const first = await files.read(`${base}${RUN}/progress.json`);
    assert.equal(first.kind, 'found');
    const etag = first.kind === 'found' ? first.etag : undefined;
    assert.deepEqual(await files.read(`${base}${RUN}/progress.json`, etag), { kind: 'notModified' });
    await files.write(`${base}${RUN}/progress.json`, '{"a":22}');
    assert.equal((await files.read(`${base}${RUN}/progress.json`, etag)).kind, 'found');
    assert.deepEqual(await files.read(`${base}${RUN}/summary.json`), { kind: 'missing' });
    assert.equal(await files.deletePrefix(`${base}${RUN}/`), 1);
    assert.deepEqual(await files.listFolders(base), []);
  });

  test('a local run shows from its folder without any AWS call, and is lost when its container is gone', async () => {
    const runs = join(dir, '.batch-runner', 'runs');
    mkdirSync(join(runs, RUN), { recursive: true });
    writeFileSync(
      join(runs, RUN, 'run.json'),
      JSON.stringify({ name: 'local', runId: RUN, workers: 2, tasks: { command: ['x'], count: 4 } }),
    );
    writeFileSync(
      join(runs, RUN, 'progress.json'),
      JSON.stringify({
        runId: RUN,
        state: 'running',
        seq: 3,
        managerJobId: `local-${RUN}`,
        startedAt: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
        workers: { max: 2, connected: 2 },
        tasks: { total: 4, queued: 1, running: 2, succeeded: 1, failed: 0, retried: 0 },
      }),
    );
    const batch = new FakeBatch();
    batch.queues = [];
    let alive = true;
    let s3Loaded = false;
    const model = new RunsModel({
      batch,
      files: async () =>
        routeRunFiles(async () => {
          s3Loaded = true;
          throw new Error('S3 must not be used for a local run');
        }),
      locations: async () => [folderUriOf(runs)],
      explain: (error) => explainAwsError(error, 's3:GetObject'),
      localRunAlive: async (uris) => new Map(uris.map((uri) => [uri, alive])),
    });
    const uri = `${folderUriOf(runs)}${RUN}/`;
    model.addLocalRun(uri);
    assert.equal(model.get(uri)?.state, 'starting', 'a run started here shows as starting before anything is read');
    await model.refresh();
    assert.equal(model.get(uri)?.state, 'running');
    assert.equal(model.get(uri)?.tasks?.succeeded, 1);
    assert.ok(!batch.calls.some((call) => call.startsWith('DescribeJobs')), batch.calls.join(', '));
    assert.equal(s3Loaded, false);
    alive = false;
    await model.refresh();
    assert.equal(model.get(uri)?.state, 'lost');
    assert.match(model.get(uri)?.reason ?? '', /manager container is gone/);
  });
});
