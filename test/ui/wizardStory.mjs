// The first Submit as a new user makes it (issue 17's "done when"), in the real workbench with the
// packaged extension and the demo's preset user settings, nothing changed by hand: a fresh copy of the
// demo workspace without aws-batch.json → Create Run Configuration… with every default accepted
// (Enter on each quick pick and input box) → Submit to Batch → the run succeeds in the Runs view with
// every worker SUCCEEDED → Download Results… brings back each task's tasks/<i>/stdout.log and a
// results.jsonl of the tasks' output.json, one row per task. A screenshot per step (wizard-*.png).
// Used by scripts/demo-check.mjs (npm run demo -- --once).
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCommand } from './palette.mjs';
import { storySteps } from './storySteps.mjs';
import {
  clean,
  downloadRun,
  minutesSince,
  rowTexts,
  runSucceeded,
  startSubmit,
  submittedRun,
  until,
} from './demoStory.mjs';
import {
  activityEntry,
  openAwsBatch,
  setPaneExpanded,
  waitForWorkbench,
  widenSidebar,
  workbenchUrl,
} from './smoke.mjs';

const TIMEOUT = Number(process.env.UI_TIMEOUT_MS || 60000);
const CREATE = 'AWS Batch: Create Run Configuration…';
const QUESTION = /^Create Run Configuration \((\d+)\/(\d+)\): (.+)$/;

/** aws-batch.json is JSON with comments: the wizard writes a `//` line above a stand-in's environment. */
const readConfig = (file) =>
  JSON.parse(
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => !line.trim().startsWith('//'))
      .join('\n'),
  );

/** The Runs view's pane and its rows of the runs named `name` (level 1), as "label description". */
const runsPane = (page) =>
  page.locator('.part.sidebar .pane').filter({ has: page.locator('.pane-header h3.title', { hasText: /^Runs$/i }) });

async function runRow(page, name, since) {
  const stamps = minutesSince(since);
  const rows = (await runsPane(page).locator('.monaco-list-row[aria-level="1"]').evaluateAll(rowTexts)).map(clean);
  return rows.find((row) => row.startsWith(`${name} `) && stamps.some((stamp) => row.endsWith(stamp)));
}

/** Expands the tree row `row` (a locator) unless it is open; waits for its children to be listed. */
async function expand(page, row, what) {
  for (let i = 0; i < 10; i++) {
    const state = await row.getAttribute('aria-expanded', { timeout: 5000 }).catch(() => null);
    if (state === 'true') return;
    if (state === null) throw new Error(`${what} cannot be expanded`);
    await row
      .locator('.monaco-tl-twistie')
      .click({ timeout: 5000 })
      .catch(() => {});
    await sleep(1000);
  }
  throw new Error(`${what} did not expand`);
}

/**
 * Answers the wizard's questions with what each offers first (Enter), one screenshot per question.
 * Returns the questions as asked: { n, total, what, kind, offered }.
 */
async function acceptEveryDefault(page, shot) {
  const widget = page.locator('.quick-input-widget');
  const asked = [];
  let previous = '';
  for (;;) {
    // The next question, or the end: the widget closes and aws-batch.json opens.
    const title = await until(
      page,
      `question ${asked.length + 1} of Create Run Configuration (or aws-batch.json opened)`,
      async () => {
        if (await page.locator('.tab.active', { hasText: 'aws-batch.json' }).count()) return 'done';
        if (!(await widget.isVisible().catch(() => false))) return undefined;
        const text = clean(
          await widget
            .locator('.quick-input-title')
            .innerText({ timeout: 500 })
            .catch(() => ''),
        );
        return text && text !== previous ? text : undefined;
      },
      TIMEOUT,
      150,
    );
    if (title === 'done') return asked;
    const match = QUESTION.exec(title);
    if (!match) throw new Error(`an unexpected prompt "${title}"`);
    const [, n, total, what] = match;
    // A quick pick lists its items; an input box has none and a prefilled value.
    await sleep(500);
    const rows = await page.locator('.quick-input-list .monaco-list-row').evaluateAll(rowTexts);
    const listVisible = await page
      .locator('.quick-input-list')
      .isVisible()
      .catch(() => false);
    const kind = listVisible && rows.length ? 'pick' : 'input';
    const offered =
      kind === 'pick' ? clean(rows[0]) : await widget.locator('input').first().inputValue({ timeout: 2000 });
    const picture = await shot(
      `wizard-2-${String(n).padStart(2, '0')}-${what.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`,
    );
    asked.push({ n: Number(n), total: Number(total), what, kind, offered, picture });
    previous = title;
    await page.keyboard.press('Enter');
  }
}

/**
 * Plays the story on `folder` (a demo workspace without aws-batch.json). `launch` returns a fresh
 * Chromium context; `listJobs` answers ListJobs (arrayOf(runId, queue), children(arrayJobId)) to
 * confirm the worker states the view shows.
 * Returns { passed, failed, skipped, runId }.
 */
export async function runWizardStory({ baseUrl, folder, shotDir, launch, listJobs, log = console.log }) {
  fs.mkdirSync(shotDir, { recursive: true });
  for (const f of fs.readdirSync(shotDir)) if (/^wizard-.*\.png$/.test(f)) fs.rmSync(path.join(shotDir, f));
  const t0 = Date.now();
  let ctx;
  let page;
  const { results, shot, step } = storySteps({ shotDir, prefix: 'wizard', log, page: () => page });

  const opened = 'the workbench opens a demo workspace that has no aws-batch.json';
  const created = 'Create Run Configuration… with every default accepted writes aws-batch.json';
  const submitted = 'Submit to Batch builds, pushes and submits that configuration';
  const succeeded = 'the run succeeds in the Runs view with every worker SUCCEEDED';
  const downloaded = "Download Results… brings back each task's stdout.log and results.jsonl, a row per task";
  const configFile = path.join(folder, 'aws-batch.json');
  let config;
  let runId;
  let submittedAt;
  log(`Wizard story in ${folder}`);
  try {
    await step(opened, async () => {
      if (fs.existsSync(configFile)) throw new Error(`${configFile} exists: the story starts without one`);
      ctx = await launch();
      page = ctx.pages()[0] || (await ctx.newPage());
      await page.goto(workbenchUrl(baseUrl, folder));
      await waitForWorkbench(page);
      // No aws-batch.json: the extension is not active yet, but its view container is there.
      await activityEntry(page).waitFor({ timeout: TIMEOUT });
      await openAwsBatch(page);
      for (const pane of ['Job Queues', 'Jobs', 'Job Definitions']) await setPaneExpanded(page, pane, false);
      await setPaneExpanded(page, 'Runs', true);
      await widenSidebar(page, 640).catch(() => {});
      return await shot('wizard-1-workspace');
    });

    await step(created, async () => {
      await runCommand(page, CREATE);
      const asked = await acceptEveryDefault(page, shot);
      // Each question its own number; the total may grow once (a Fargate queue adds two) and ends right.
      const counter = asked.map((q) => `${q.n}/${q.total}`).join(', ');
      const inOrder = asked.every((q, i) => q.n === i + 1 && (i === 0 || q.total >= asked[i - 1].total));
      if (!inOrder || asked.at(-1)?.total !== asked.length) throw new Error(`the step counter reads ${counter}`);
      if (!fs.existsSync(configFile)) throw new Error(`the wizard ended but wrote no ${configFile}`);
      config = readConfig(configFile);
      const role = asked.find((q) => q.what === 'job role');
      if (role?.kind !== 'pick') throw new Error('the job role is not offered as a pick');
      const command = asked.find((q) => q.what === 'task command')?.offered ?? '';
      if (!config.tasks || !config.environment?.AWS_ENDPOINT_URL)
        throw new Error(`aws-batch.json lacks tasks or the stand-in's environment: ${JSON.stringify(config)}`);
      if (!/^\s*\/\/ For the stand-in endpoint only/m.test(fs.readFileSync(configFile, 'utf8')))
        throw new Error('aws-batch.json has no comment that its environment is for the stand-in');
      const picture = await shot('wizard-3-aws-batch-json');
      const answers = asked.map((q) => `${q.n}/${q.total} ${q.what}: ${q.offered}`).join('; ');
      return `${answers}; command "${command}"; ${picture}`;
    }, [opened]);

    await step(submitted, async () => {
      submittedAt = Date.now();
      await startSubmit(page);
      const submission = await submittedRun(page);
      runId = submission.runId;
      return `"${submission.notice}"; ${await shot('wizard-4-submitted')}`;
    }, [created]);

    await step(succeeded, async () => {
      const count = config.tasks.count;
      const notice = await runSucceeded(page, runId);
      const row = await until(page, `the run's row "succeeded · ${count}/${count}"`, async () => {
        const text = await runRow(page, config.name, submittedAt);
        return text?.includes(`succeeded · ${count}/${count}`) ? text : undefined;
      });
      // The run's jobs: the manager and, under the worker array job, each worker with its state icon.
      const pane = runsPane(page);
      const runLine = pane
        .locator('.monaco-list-row[aria-level="1"]')
        .filter({ has: page.locator('.label-name', { hasText: config.name }) })
        .first();
      await expand(page, runLine, `the run's row`);
      const arrayRow = pane
        .locator('.monaco-list-row[aria-level="2"]')
        .filter({ has: page.locator('.label-description', { hasText: 'array of' }) })
        .first();
      await arrayRow.waitFor({ timeout: TIMEOUT }).catch(() => {
        throw new Error("the run's row lists no worker array job");
      });
      await expand(page, arrayRow, 'the worker array job');
      const workers = config.workers;
      const states = await until(page, `${workers} worker rows, each SUCCEEDED`, async () => {
        const rows = pane.locator('.monaco-list-row[aria-level="3"]');
        const found = await rows.evaluateAll((elements) =>
          elements.map((el) => ({
            label: el.querySelector('.label-name')?.textContent ?? '',
            passed: Boolean(el.querySelector('.codicon-pass')),
            icon: [...(el.querySelector('.custom-view-tree-node-item-icon, .codicon')?.classList ?? [])].join(' '),
          })),
        );
        const workerRows = found.filter((r) => /^\[\d+\]/.test(r.label));
        return workerRows.length === workers && workerRows.every((r) => r.passed) ? workerRows : undefined;
      });
      // What the view shows is what Batch says (moto's ListJobs of the array's children).
      const arrayJobId = await listJobs.arrayOf(runId, config.jobQueue);
      const children = await listJobs.children(arrayJobId);
      const notSucceeded = children.filter((job) => job.status !== 'SUCCEEDED');
      if (children.length !== workers || notSucceeded.length)
        throw new Error(
          `Batch lists ${children.length} workers, not SUCCEEDED: ${notSucceeded.map((j) => `${j.jobId} ${j.status}`)}`,
        );
      await sleep(500);
      return `"${notice}"; row "${row}"; workers ${states.map((s) => s.label.split(' ')[0]).join(' ')} all SUCCEEDED; ${await shot('wizard-5-succeeded')}`;
    }, [submitted]);

    await step(downloaded, async () => {
      const { suggested, summary } = await downloadRun(page, runId);
      const dir = path.join(folder, suggested);
      const count = config.tasks.count;
      const missing = [];
      for (let i = 0; i < count; i++) {
        const file = path.join(dir, 'tasks', String(i), 'stdout.log');
        const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
        if (!new RegExp(`^task ${i}: seed \\d+, \\d+ samples, pi ~ \\d`, 'm').test(text))
          missing.push(`${i}: "${text.slice(0, 80)}"`);
      }
      if (missing.length) throw new Error(`tasks/<i>/stdout.log without the task's line: ${missing.join('; ')}`);
      const rows = fs
        .readFileSync(path.join(dir, 'results.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
      if (rows.length !== count || rows.some((row, i) => row.index !== i || typeof row.output?.estimate !== 'number'))
        throw new Error(`results.jsonl has ${rows.length} rows, not one per task (${count}) with its output.json`);
      // Show both as a user would: Quick Open by path, one picture each.
      await runCommand(page, 'View: Hide Panel');
      await page.keyboard.press('Escape');
      const pictures = [];
      for (const [file, name, shown] of [
        [`${suggested}/tasks/0/stdout.log`, 'wizard-6-task-stdout', /task 0: seed/],
        [`${suggested}/results.jsonl`, 'wizard-7-results', /"index":\s*0/],
      ]) {
        await page.keyboard.press('Control+P');
        await page.locator('.quick-input-widget input').fill(file);
        await page
          .locator('.quick-input-list .monaco-list-row', { hasText: path.basename(file) })
          .first()
          .waitFor({ timeout: 30000 });
        await page.keyboard.press('Enter');
        await page.locator('.tab.active', { hasText: path.basename(file) }).waitFor({ timeout: 15000 });
        await until(page, `${file} shown in the editor`, async () => {
          const text = await page
            .locator('.editor-group-container .monaco-editor .view-lines')
            .first()
            .innerText()
            .catch(() => '');
          return shown.test(text.replace(/\u00a0/g, ' ')) ? true : undefined;
        });
        if (name === 'wizard-7-results') await runCommand(page, 'View: Toggle Word Wrap');
        pictures.push(await shot(name));
      }
      return `"${summary}"; ${count} stdout.log files; ${rows.length} rows in results.jsonl; ${pictures.join(', ')}`;
    }, [succeeded]);
  } finally {
    if (ctx) await ctx.close().catch(() => {});
  }
  log(`Wizard story: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (results.skipped) log(`${results.skipped} not run (a step they need failed)`);
  log(`${results.passed} passed, ${results.failed} failed`);
  return { ...results, runId };
}
