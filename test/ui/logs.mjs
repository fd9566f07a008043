// UI smoke checks for Show Logs and Download Results, called by test/ui/smoke.mjs with its page and
// check(): runs a real Batch job (moto + Docker) and puts a run into moto's S3, then drives the
// commands from the command palette and saves screenshots of the followed log and of the download
// summary. Needs the backend's env (AWS_ENDPOINT_URL...) in this process.
import path from 'node:path';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCommand } from './palette.mjs';

const require = createRequire(import.meta.url);
const TIMEOUT = Number(process.env.UI_TIMEOUT_MS || 60000);

/** Types into the open quick pick / input box once `row` is offered, and accepts it. */
async function choose(page, text, row = text) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 15000 });
  await page.locator('.quick-input-list .monaco-list-row', { hasText: row }).first().waitFor({ timeout: TIMEOUT });
  await input.fill(text);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: row }).first().waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
}

async function waitForJob(batch, DescribeJobsCommand, jobId) {
  const deadline = Date.now() + 90000;
  for (;;) {
    const { jobs } = await batch.send(new DescribeJobsCommand({ jobs: [jobId] }));
    const status = jobs?.[0]?.status;
    if (status === 'SUCCEEDED' || status === 'FAILED') return status;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${status}`);
    await sleep(500);
  }
}

export async function logsChecks({ page, check, shotDir, needs = [] }) {
  const {
    BatchClient,
    DeregisterJobDefinitionCommand,
    DescribeJobsCommand,
    RegisterJobDefinitionCommand,
    SubmitJobCommand,
  } = require('@aws-sdk/client-batch');
  const { S3Client, PutObjectCommand, DeleteObjectsCommand, ListObjectsV2Command } = require('@aws-sdk/client-s3');
  const batch = new BatchClient({});
  const s3 = new S3Client({ forcePathStyle: true });
  const suffix = `${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
  const jobName = `ui-log-${suffix}`;
  const runId = `ui-run-${suffix}`;
  let definition;
  let jobId;

  try {
    const prepared = 'a finished Batch job with a log, and a run in S3';
    await check(
      prepared,
      async () => {
        const def = await batch.send(
          new RegisterJobDefinitionCommand({
            jobDefinitionName: `ui-logs-${suffix}`,
            type: 'container',
            containerProperties: {
              image: 'local/busybox:latest',
              command: [
                'sh',
                '-c',
                'echo "simulating 5 tasks"; for i in 1 2 3 4 5; do echo "task $i: pi ~ 3.14$i"; done; echo "done"',
              ],
              resourceRequirements: [
                { type: 'VCPU', value: '1' },
                { type: 'MEMORY', value: '128' },
              ],
            },
          }),
        );
        definition = def.jobDefinitionArn;
        const prefix = `runs/${runId}/`;
        for (let i = 0; i < 6; i++)
          await s3.send(
            new PutObjectCommand({
              Bucket: 'batch-runner-results',
              Key: `${prefix}tasks/${i}/output.json`,
              Body: `{"task":${i}}`,
            }),
          );
        await s3.send(
          new PutObjectCommand({ Bucket: 'batch-runner-results', Key: `${prefix}results.jsonl`, Body: '{}\n' }),
        );
        const job = await batch.send(
          new SubmitJobCommand({
            jobName,
            jobQueue: 'research-queue',
            jobDefinition: definition,
            tags: {
              'batch-runner:run-id': runId,
              'batch-runner:role': 'manager',
              'batch-runner:run-uri': `s3://batch-runner-results/${prefix}`,
            },
          }),
        );
        jobId = job.jobId;
        const status = await waitForJob(batch, DescribeJobsCommand, jobId);
        if (status !== 'SUCCEEDED') throw new Error(`the job ended ${status}`);
      },
      { needs },
    );

    const followed = '"AWS Batch: Show Logs" fills an output channel named after the job';
    await check(
      followed,
      async () => {
        await runCommand(page, 'AWS Batch: Show Logs');
        await choose(page, jobName);
        // Monaco renders only the visible lines, with non-breaking spaces; the channel scrolls to its end.
        const shown = () =>
          page
            .locator('.part.panel .monaco-editor .view-lines')
            .first()
            .innerText()
            .then((t) => t.replace(/\u00a0/g, ' '))
            .catch(() => '');
        const summary = `── ${jobName} SUCCEEDED · no worker jobs · 7 lines ──`;
        const deadline = Date.now() + TIMEOUT;
        while (!(await shown()).includes(summary)) {
          if (Date.now() > deadline) throw new Error(`the output panel shows: ${(await shown()).slice(-300)}`);
          await sleep(250);
        }
        const text = await shown();
        for (const line of ['[manager] task 3: pi ~ 3.143', '[manager] done'])
          if (!text.includes(line)) throw new Error(`the output panel lacks "${line}"`);
        await page.screenshot({ path: path.join(shotDir, '05-followed-log.png') });
        return 'screenshot 05-followed-log.png';
      },
      { needs: [prepared] },
    );

    const downloaded = '"AWS Batch: Download Results…" asks for the folder once and shows a summary';
    await check(
      downloaded,
      async () => {
        await runCommand(page, 'AWS Batch: Download Results');
        await choose(page, runId, jobName);
        // First use: the folder is asked, results/<run> suggested.
        const input = page.locator('.quick-input-widget input');
        await page.waitForFunction(
          (run) => document.querySelector('.quick-input-widget input')?.value === `results/${run}`,
          runId,
          { timeout: 15000 },
        );
        await input.press('Enter');
        const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: 'Downloaded 7 files' });
        await toast.first().waitFor({ timeout: TIMEOUT });
        const text = (await toast.first().textContent()) ?? '';
        if (!text.includes(`results/${runId}`)) throw new Error(`the summary says: ${text}`);
        if (!(await toast.first().locator('.monaco-button', { hasText: 'Reveal in Explorer' }).count()))
          throw new Error('the summary has no "Reveal in Explorer" button');
        // Let the progress notification go and the summary settle before the picture.
        await page
          .locator('.notifications-toasts .notification-list-item', { hasText: 'Downloading the results' })
          .waitFor({ state: 'detached', timeout: 15000 })
          .catch(() => {});
        await sleep(500);
        await page.screenshot({ path: path.join(shotDir, '06-download-summary.png') });
        return 'screenshot 06-download-summary.png';
      },
      { needs: [prepared] },
    );
  } finally {
    if (definition) await batch.send(new DeregisterJobDefinitionCommand({ jobDefinition: definition })).catch(() => {});
    const listed = await s3
      .send(new ListObjectsV2Command({ Bucket: 'batch-runner-results', Prefix: `runs/${runId}/` }))
      .catch(() => ({}));
    const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key }));
    if (keys.length)
      await s3
        .send(new DeleteObjectsCommand({ Bucket: 'batch-runner-results', Delete: { Objects: keys } }))
        .catch(() => {});
    batch.destroy();
    s3.destroy();
  }
}
