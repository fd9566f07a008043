// UI smoke checks for the Runs view, called by test/ui/smoke.mjs with its page and check(): run
// folders seeded in moto's S3 under a prefix of this run's own (the workspace settings list it in
// awsBatch.runs.resultsLocations), one of them mid-run with a progress.json rewritten by hand, plus a
// real manager job with two worker jobs for the merged log. Screenshots: runs-mid.png, runs-notice.png,
// runs-after.png, runs-log.png. Seeding uses the compiled test/helpers/runFolders.ts (npm run compile-tests).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCommand } from './palette.mjs';
import { expandRow, openAwsBatch, setPaneExpanded, waitRow, widenSidebar } from './smoke.mjs';

const require = createRequire(import.meta.url);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TIMEOUT = Number(process.env.UI_TIMEOUT_MS || 60000);
const BUCKET = 'batch-runner-results';

/** Writes the results location into the workspace settings; call before the workbench loads. */
export function prepareRunsWorkspace(folder) {
  const prefix = `ui-runs-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}/`;
  const settingsFile = path.join(folder, '.vscode', 'settings.json');
  const settings = fs.existsSync(settingsFile) ? JSON.parse(fs.readFileSync(settingsFile, 'utf8')) : {};
  fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
  fs.writeFileSync(
    settingsFile,
    JSON.stringify({ ...settings, 'awsBatch.runs.resultsLocations': [`s3://${BUCKET}/${prefix}`] }, null, 2),
  );
  return { prefix };
}

/** Types into the open quick pick once `row` is offered, and accepts it. */
async function choose(page, text, row = text) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 15000 });
  await page.locator('.quick-input-list .monaco-list-row', { hasText: row }).first().waitFor({ timeout: TIMEOUT });
  await input.fill(text);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: row }).first().waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
}

/** Runs the palette entry titled exactly `title` ("Watch Run" must not pick "Stop Watching Run"). */
async function paletteExact(page, title) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Shift+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 15000 });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ timeout: 15000 });
  await row.click();
}

const toast = (page, text) => page.locator('.notifications-toasts .notification-list-item', { hasText: text }).first();

/** Jobs of the merged-log run: a manager that prints, two workers tagged with its id. */
async function seedLogJobs(batch, sdk, runId, runUri, suffix) {
  const { RegisterJobDefinitionCommand, SubmitJobCommand, DescribeJobsCommand } = sdk;
  const definition = await batch.send(
    new RegisterJobDefinitionCommand({
      jobDefinitionName: `ui-runs-${suffix}`,
      type: 'container',
      containerProperties: {
        image: 'local/busybox:latest',
        command: ['true'],
        resourceRequirements: [
          { type: 'VCPU', value: '1' },
          { type: 'MEMORY', value: '128' },
        ],
      },
    }),
  );
  const submit = async (name, script, tags) =>
    (
      await batch.send(
        new SubmitJobCommand({
          jobName: name,
          jobQueue: 'research-queue',
          jobDefinition: definition.jobDefinitionArn,
          containerOverrides: { command: ['sh', '-c', script] },
          tags,
        }),
      )
    ).jobId;
  const manager = await submit(
    runId,
    'echo "run started: 4 tasks, 2 workers"; sleep 3; echo "task 0 done on worker 0"; echo "task 1 done on worker 1"; echo "task 2 done on worker 0"; echo "task 3 done on worker 1"; echo "run succeeded: 4 of 4 tasks"',
    { 'batch-runner:run-id': runId, 'batch-runner:role': 'manager', 'batch-runner:run-uri': runUri },
  );
  const workers = [];
  for (const i of [0, 1]) {
    workers.push(
      await submit(
        `${runId}-worker-${i}`,
        `echo "worker ${i} connected"; echo "worker ${i}: task ${i} pi ~ 3.14${i}"; echo "worker ${i}: task ${i + 2} pi ~ 3.14${i + 2}"; echo "worker ${i} done"`,
        { 'batch-runner:role': 'worker', 'batch-runner:manager-job-id': manager },
      ),
    );
  }
  const deadline = Date.now() + 90000;
  for (;;) {
    const { jobs } = await batch.send(new DescribeJobsCommand({ jobs: [manager, ...workers] }));
    if ((jobs ?? []).length === 3 && jobs.every((job) => job.status === 'SUCCEEDED')) break;
    if (Date.now() > deadline) throw new Error(`log jobs did not finish: ${jobs?.map((j) => j.status).join(', ')}`);
    await sleep(500);
  }
  return { definition: definition.jobDefinitionArn, jobs: [manager, ...workers] };
}

export async function runsChecks({ page, check, shotDir, prefix, needs = [] }) {
  const sdk = require('@aws-sdk/client-batch');
  const { RunFolders, newS3, runIdAt } = require(path.join(REPO, 'out/test/helpers/runFolders.js'));
  const batch = new sdk.BatchClient({});
  const s3 = newS3();
  const folders = new RunFolders(s3, prefix);
  const suffix = prefix.replace(/^ui-runs-|\/$/g, '');
  const ids = {};
  let logJobs;
  const live = { total: 100, succeeded: 35, failed: 2, running: 6, workers: 8, connected: 6 };
  const failures = [
    {
      index: 17,
      attempts: 3,
      exitCode: 1,
      reason: 'exit code 1 (attempt 3 of 3)',
      tail: ['sampling 17: 81000/100000', 'Traceback (most recent call last):', 'FloatingPointError: overflow in exp'],
    },
    {
      index: 42,
      attempts: 3,
      exitCode: 137,
      reason: 'killed: out of memory (attempt 3 of 3)',
      tail: ['allocating 3.9 GiB'],
    },
  ];

  try {
    const seeded = 'runs seeded in S3 (succeeded, failed, mid-run) and a real run with workers for its log';
    await check(
      seeded,
      async () => {
        // Created seconds ago, so they sort above the shared stand-ins' other runs (newest first).
        ids.ok = await folders.succeeded('baseline', 30);
        ids.failed = await folders.failed('param-sweep', 20);
        ids.live = await folders.running('monte-carlo', 100, 8, 0);
        await folders.progress(ids.live, 'monte-carlo', live, { failures });
        ids.log = runIdAt('log-demo', 10);
        await folders.put(ids.log, 'run.json', folders.spec(ids.log, 'log-demo', 4, 2));
        logJobs = await seedLogJobs(batch, sdk, ids.log, folders.uri(ids.log), suffix);
        await folders.summary(ids.log, 'log-demo', 4);
        return `${prefix}: ${Object.values(ids).join(', ')}`;
      },
      { needs },
    );

    const mid = 'Runs view mid-run: progress in the row, the watched run in the status bar';
    await check(
      mid,
      async () => {
        await openAwsBatch(page);
        for (const pane of ['Job Queues', 'Jobs', 'Job Definitions']) await setPaneExpanded(page, pane, false);
        await setPaneExpanded(page, 'Runs', true);
        await widenSidebar(page, 720).catch(() => {});
        await runCommand(page, 'AWS Batch: Refresh Runs');
        for (const name of ['monte-carlo', 'param-sweep', 'baseline']) await waitRow(page, name);
        const row = await waitRow(page, 'monte-carlo');
        const text = (await row.innerText()).replace(/\s+/g, ' ');
        if (!/running · 37\/100 · 2 failed · 6\/8 workers · \d+m left/.test(text))
          throw new Error(`the running run's row reads "${text}"`);
        await paletteExact(page, 'AWS Batch: Watch Run');
        await choose(page, 'monte-carlo', ids.live);
        const item = page.locator('.part.statusbar .statusbar-item', { hasText: 'monte-carlo 37/100' }).first();
        await item.waitFor({ timeout: 15000 }).catch(() => {
          throw new Error('no status bar item "monte-carlo 37/100"');
        });
        await page.mouse.move(1300, 500);
        await sleep(300);
        await page.screenshot({ path: path.join(shotDir, 'runs-mid.png') });
        return 'screenshot runs-mid.png';
      },
      { needs: [seeded] },
    );

    const notice = 'the watched run ends: one notification says how, with Show Failed Tasks';
    await check(
      notice,
      async () => {
        // The manager's last writes: progress.json with the final state, then summary.json.
        const end = { total: 100, succeeded: 98, failed: 2, running: 0, workers: 8, connected: 0 };
        await folders.progress(ids.live, 'monte-carlo', end, { state: 'failed', failures });
        await folders.put(ids.live, 'summary.json', {
          runId: ids.live,
          name: 'monte-carlo',
          mode: 'tasks',
          status: 'failed',
          exitCode: 3,
          reason: '2 of 100 tasks failed',
          startedAt: new Date(Date.now() - 300_000).toISOString(),
          finishedAt: new Date().toISOString(),
          durationSeconds: 300,
          tasks: { total: 100, queued: 0, running: 0, succeeded: 98, failed: 2, retried: 5 },
          failures,
          usage: { managerSeconds: 300, workerSeconds: 2400, vcpus: 2 },
          workers: { min: 1, max: 8, everConnected: 8 },
          droppedConnections: 0,
        });
        // The view polls every 2 s while a run is active.
        const shown = toast(page, `Run ${ids.live} failed`);
        await shown.waitFor({ timeout: TIMEOUT }).catch(() => {
          throw new Error('no finish notification');
        });
        const text = (await shown.innerText()).replace(/\s+/g, ' ');
        if (!text.includes('2 of 100 tasks failed (task 17: exit code 1, and 1 more)'))
          throw new Error(`the notification reads "${text}"`);
        if (!(await shown.locator('.monaco-button', { hasText: 'Show Failed Tasks' }).count()))
          throw new Error('the notification has no "Show Failed Tasks" button');
        const gone = page.locator('.part.statusbar .statusbar-item', { hasText: 'monte-carlo 37/100' });
        await gone.waitFor({ state: 'detached', timeout: 15000 }).catch(() => {});
        await sleep(300);
        await page.screenshot({ path: path.join(shotDir, 'runs-notice.png') });
        const count = await page
          .locator('.notifications-toasts .notification-list-item', { hasText: `Run ${ids.live}` })
          .count();
        if (count !== 1) throw new Error(`${count} notifications for the run`);
        return 'screenshot runs-notice.png';
      },
      { needs: [mid] },
    );

    const after = '"Show Failed Tasks" reveals the failed tasks; a failed task expands to its last lines';
    await check(
      after,
      async () => {
        await toast(page, `Run ${ids.live} failed`).locator('.monaco-button', { hasText: 'Show Failed Tasks' }).click();
        await waitRow(page, 'task 17');
        await expandRow(page, 'task 17');
        await waitRow(page, 'FloatingPointError: overflow in exp');
        const runRow = (await waitRow(page, 'monte-carlo')).innerText();
        if (!/failed · 100\/100 · 2 failed/.test((await runRow).replace(/\s+/g, ' ')))
          throw new Error(`the ended run's row reads "${await runRow}"`);
        await page.mouse.move(1300, 500);
        await sleep(300);
        await page.screenshot({ path: path.join(shotDir, 'runs-after.png') });
        return 'screenshot runs-after.png';
      },
      { needs: [notice] },
    );

    const log = '"AWS Batch: Show Run Logs" merges the manager\'s and the workers\' logs in one channel';
    await check(
      log,
      async () => {
        await runCommand(page, 'AWS Batch: Show Run Logs');
        await choose(page, 'log-demo', ids.log);
        // The whole merged log in the picture: the panel takes the editor area's height.
        await runCommand(page, 'View: Toggle Maximized Panel');
        const shownText = () =>
          page
            .locator('.part.panel .monaco-editor .view-lines')
            .first()
            .innerText()
            .then((t) => t.replace(/\u00a0/g, ' '))
            .catch(() => '');
        const deadline = Date.now() + TIMEOUT;
        while (!(await shownText()).includes(`── ${ids.log} SUCCEEDED`)) {
          if (Date.now() > deadline) throw new Error(`the output panel shows: ${(await shownText()).slice(-400)}`);
          await sleep(250);
        }
        const text = await shownText();
        for (const line of ['[manager] run succeeded: 4 of 4 tasks', 'worker 1: task 3 pi ~ 3.143'])
          if (!text.includes(line)) throw new Error(`the output panel lacks "${line}": ${text.slice(-400)}`);
        if (!text.includes('2 workers: 2 succeeded')) throw new Error(`no worker count in: ${text.slice(-300)}`);
        await page.screenshot({ path: path.join(shotDir, 'runs-log.png') });
        return 'screenshot runs-log.png';
      },
      { needs: [seeded] },
    );
  } finally {
    const { TerminateJobCommand, DeregisterJobDefinitionCommand } = sdk;
    for (const jobId of logJobs?.jobs ?? [])
      await batch.send(new TerminateJobCommand({ jobId, reason: 'UI smoke done' })).catch(() => {});
    if (logJobs?.definition)
      await batch.send(new DeregisterJobDefinitionCommand({ jobDefinition: logJobs.definition })).catch(() => {});
    await folders.clean().catch(() => {});
    batch.destroy();
    s3.destroy();
  }
}
