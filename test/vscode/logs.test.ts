// Show Logs, Open Full Log, Stop Following and Download Results inside a real extension host, against
// moto with Docker-backed Batch jobs and moto's S3.
import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BatchClient,
  DeregisterJobDefinitionCommand,
  DescribeJobsCommand,
  SubmitJobCommand,
  TerminateJobCommand,
} from '@aws-sdk/client-batch';
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension';
import type { DownloadSummary } from '../../src/results/download';
import { registerBusyboxDefinition } from '../helpers/jobDefinitions';

const QUEUE = 'research-queue';
const BUCKET = 'batch-runner-results';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

suite('Logs and results (extension host)', function () {
  this.timeout(180_000);
  let api: ExtensionApi;
  const batch = new BatchClient({});
  const s3 = new S3Client({ forcePathStyle: true });
  const suffix = `${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
  const definitionName = `logs-ext-${suffix}`;
  let definition: string;
  const started: string[] = [];
  /** Everything appended to each followed job's channel, collected from the start of the suite. */
  const written = new Map<string, string>();
  const transcript = (jobId: string) => written.get(jobId) ?? '';
  let writes: { dispose(): void } | undefined;

  async function submit(name: string, command: string, tags?: Record<string, string>): Promise<string> {
    const out = await batch.send(
      new SubmitJobCommand({
        jobName: name,
        jobQueue: QUEUE,
        jobDefinition: definition,
        containerOverrides: { command: ['sh', '-c', command] },
        tags,
      }),
    );
    started.push(out.jobId!);
    return out.jobId!;
  }

  async function waitStatus(jobId: string, wanted: string[]): Promise<string> {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const { jobs } = await batch.send(new DescribeJobsCommand({ jobs: [jobId] }));
      const status = jobs?.[0]?.status ?? 'UNKNOWN';
      if (wanted.includes(status)) return status;
      if (Date.now() > deadline) throw new Error(`job ${jobId} still ${status}`);
      await sleep(500);
    }
  }

  suiteSetup(async () => {
    api = await vscode.extensions.getExtension<ExtensionApi>('aws-batch-runner.aws-batch-runner')!.activate();
    writes = api.services.logs.onDidWrite((jobId, text) => written.set(jobId, transcript(jobId) + text));
    definition = await registerBusyboxDefinition(batch, definitionName, ['true']);
  });

  suiteTeardown(async () => {
    writes?.dispose();
    for (const jobId of started) {
      await batch.send(new TerminateJobCommand({ jobId, reason: 'test cleanup' })).catch(() => undefined);
    }
    await batch.send(new DeregisterJobDefinitionCommand({ jobDefinition: definition })).catch(() => undefined);
    await vscode.workspace.getConfiguration('awsBatch.download').update('folder', undefined, true);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `runs/run-${suffix}/` }));
    const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length) await s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys } }));
  });

  test('Show Logs on a job whose stream has lines fills its output channel, then says how the job ended', async () => {
    const name = `show-logs-${suffix}`;
    const jobId = await submit(name, 'for i in 1 2 3 4 5; do echo "line $i of the job"; done; echo "to stderr" >&2');
    const shown = (await vscode.commands.executeCommand('awsBatch.showLogs', { jobId, jobName: name })) as {
      jobId: string;
      channel: string;
    };
    assert.deepEqual(shown, { jobId, channel: `AWS Batch: ${name}` });
    const followed = api.services.logs.get(jobId);
    assert.ok(followed, 'the job is followed');
    assert.equal(followed.channel.name, `AWS Batch: ${name}`);
    await followed.done;
    const text = transcript(jobId);
    for (let i = 1; i <= 5; i++) assert.match(text, new RegExp(`^line ${i} of the job$`, 'm'));
    assert.match(text, /^to stderr$/m);
    assert.match(text, new RegExp(`^── ${name} SUCCEEDED · 6 lines ──$`, 'm'));
    assert.equal(followed.active, false);
    assert.equal(text.match(/^line 3 of the job$/gm)?.length, 1, 'no line twice');
    // moto has no Live Tail: said once, then the log is read with GetLogEvents.
    assert.equal(text.match(/^── Live Tail is not available here; reading the log with GetLogEvents\.$/gm)?.length, 1);
  });

  test('a Submit (its run-submitted event) starts following the manager job at once', async () => {
    const name = `after-submit-${suffix}`;
    const jobId = await submit(name, 'echo "manager says hi"');
    api.services.notifyRunSubmitted({
      runId: `run-${suffix}`,
      jobId,
      jobName: name,
      queue: QUEUE,
      runUri: `s3://${BUCKET}/runs/run-${suffix}/`,
      jobDefinitionArn: definition,
      image: 'local/busybox:latest',
    });
    const deadline = Date.now() + 10_000;
    while (!api.services.logs.get(jobId) && Date.now() < deadline) await sleep(50);
    const followed = api.services.logs.get(jobId);
    assert.ok(followed, 'the submitted job is followed');
    assert.equal(followed.channel.name, `AWS Batch: ${name}`);
    await followed.done;
    assert.match(transcript(jobId), /^manager says hi$/m);
  });

  test('Open Full Log shows the whole stream as a read-only document', async () => {
    const name = `full-log-${suffix}`;
    const jobId = await submit(name, 'echo first; echo second');
    await waitStatus(jobId, ['SUCCEEDED']);
    const uri = (await vscode.commands.executeCommand('awsBatch.openFullLog', { jobId, jobName: name })) as string;
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
    assert.ok(document, 'the log document is open');
    assert.equal(document.uri.scheme, 'aws-batch-log');
    assert.equal(document.languageId, 'log');
    const lines = document.getText().trim().split('\n');
    assert.equal(lines.length, 2, document.getText());
    assert.match(lines[0], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} first$/);
    assert.match(lines[1], / second$/);
    assert.equal(await vscode.commands.executeCommand('awsBatch.loadOlderLogEvents', document.uri), false);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('Stop Following ends a follow and keeps the channel', async () => {
    const name = `stop-${suffix}`;
    const jobId = await submit(name, 'echo waiting; sleep 120');
    await vscode.commands.executeCommand('awsBatch.showLogs', { jobId, jobName: name });
    const followed = api.services.logs.get(jobId)!;
    assert.equal(followed.active, true);
    await sleep(1000);
    await vscode.commands.executeCommand('awsBatch.stopFollowing', { jobId });
    await followed.done;
    assert.equal(followed.active, false);
    assert.match(transcript(jobId), new RegExp(`^── Stopped following ${name}`, 'm'));
  });

  test('Download Results on a run manager writes the run into the workspace, byte for byte', async () => {
    const runId = `run-${suffix}`;
    const prefix = `runs/${runId}/`;
    const bodies = new Map<string, Buffer>([
      ['run.json', Buffer.from(JSON.stringify({ name: runId }))],
      ['results.jsonl', randomBytes(2048)],
      ['tasks/0/output.json', Buffer.from('{"value":1}')],
      ['tasks/1/output.bin', randomBytes(300_000)],
    ]);
    for (const [rel, body] of bodies) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: prefix + rel, Body: body }));
    }
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}secret`, Body: 'not a result' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}../outside.txt`, Body: 'evil' }));
    const jobId = await submit(`manager-${suffix}`, 'echo manager', {
      'batch-runner:run-id': runId,
      'batch-runner:role': 'manager',
      'batch-runner:run-uri': `s3://${BUCKET}/${prefix}`,
    });
    // The folder is asked on first use; a set folder setting is used as it is.
    await vscode.workspace.getConfiguration('awsBatch.download').update('folder', 'results/${runId}', true);
    const summary = (await vscode.commands.executeCommand('awsBatch.downloadResults', {
      jobId,
      jobName: `manager-${suffix}`,
    })) as DownloadSummary;
    const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const folder = join(root, 'results', runId);
    assert.equal(summary.destination, folder);
    assert.equal(summary.downloaded, bodies.size);
    // The walkthrough's last step completes on a download that brought the files.
    assert.equal(api.services.walkthrough.lastEvent('download'), `run ${runId} downloaded`);
    assert.deepEqual(summary.excluded, ['secret']);
    assert.deepEqual(
      summary.refused.map((r) => r.key),
      [`${prefix}../outside.txt`],
    );
    for (const [rel, body] of bodies) assert.equal(sha(readFileSync(join(folder, rel))), sha(body), rel);
    assert.ok(!existsSync(join(folder, 'secret')));
    assert.ok(!existsSync(join(root, 'results', 'outside.txt')));
  });
});
