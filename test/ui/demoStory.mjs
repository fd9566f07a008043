// The demo's whole story in the real workbench (code-server with the packaged extension installed),
// driven in Chromium from the command palette as a new user would: Run Locally → the local run
// succeeds in the Runs view → Submit to Batch on the stand-ins → the run in the Runs view with its
// progress → it succeeds → Show Run Logs (manager and workers merged) → Download Results… →
// results.jsonl open in an editor → the Get Started walkthrough with every step checked off (each on
// its real event, not on its button). A screenshot per step (demo-<n>-<step>.png) and, on a failure,
// demo-fail-<step>.png. Used by scripts/demo-check.mjs (npm run demo -- --once).
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCommand } from './palette.mjs';
import { storySteps } from './storySteps.mjs';
import {
  activityEntry,
  expandRow,
  openAwsBatch,
  setPaneExpanded,
  sidebarRow,
  waitForWorkbench,
  widenSidebar,
  workbenchUrl,
} from './smoke.mjs';

const TIMEOUT = Number(process.env.UI_TIMEOUT_MS || 60000);
/** A build, a push and a run of 24 tasks on the stand-ins: minutes at most on a busy 2-core machine. */
const RUN_TIMEOUT = Number(process.env.DEMO_RUN_TIMEOUT_MS || 240000);
const RUN_NAME = 'monte-carlo-pi';
const TASKS = 24;
export const STEPS = {
  runLocally: 'AWS Batch: Run Locally',
  submit: 'AWS Batch: Submit to Batch',
  showRunLogs: 'AWS Batch: Show Run Logs',
  download: 'AWS Batch: Download Results…',
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** The Runs view's "Dec 1 17:34" (src/models/runs/runFormat.ts shortTime) of each minute from `since`'s to now. */
export function minutesSince(since) {
  const stamps = [];
  for (let t = since - (since % 60_000); t <= Date.now() + 60_000; t += 60_000) {
    const d = new Date(t);
    const hh = String(d.getHours()).padStart(2, '0');
    const mm = String(d.getMinutes()).padStart(2, '0');
    stamps.push(`${MONTHS[d.getMonth()]} ${d.getDate()} ${hh}:${mm}`);
  }
  return stamps;
}

export const clean = (text) =>
  text
    .replace(/\u00a0/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
export const toasts = (page) => page.locator('.notifications-toasts .notification-list-item');
export const toast = (page, text) => toasts(page).filter({ hasText: text }).first();
export const errorToasts = (page) => toasts(page).filter({ has: page.locator('.codicon-error') });
/** The message of the first notification matching `text`, or undefined. */
export const toastMessage = (page, text) =>
  toast(page, text)
    .locator('.notification-list-item-message')
    .innerText({ timeout: 500 })
    .then(clean, () => undefined);

/** Label and description of tree or quick-pick rows (run in the page), as one line each. */
export const rowTexts = (elements) =>
  elements.map((row) =>
    ['.label-name', '.label-description'].map((css) => row.querySelector(css)?.textContent ?? '').join(' '),
  );

/** Polls `probe` until it gives a value; a new error notification fails it at once, with its text. */
export async function until(page, what, probe, timeout = TIMEOUT, interval = 250) {
  const before = new Set(await errorToasts(page).allInnerTexts());
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    for (const text of await errorToasts(page).allInnerTexts())
      if (!before.has(text)) throw new Error(`error notification: ${clean(text)}`);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${Math.round(timeout / 1000)} s`);
    await sleep(interval);
  }
}

/** Texts ("monte-carlo-pi running · 6/24 · …") of the Runs view's rows of the demo's runs, newest first. */
async function runRows(page) {
  const rows = page
    .locator('.part.sidebar .pane')
    .filter({ has: page.locator('.pane-header h3.title', { hasText: /^Runs$/i }) })
    .locator('.monaco-list-row[aria-level="1"]')
    .filter({ has: page.locator('.label-name', { hasText: RUN_NAME }) });
  return (await rows.evaluateAll(rowTexts)).map(clean);
}

/**
 * The row of a run about to start. Call it before starting the run; the function it returns gives the
 * newest (top) demo row once there is one more row created since the call's minute than there was,
 * else undefined. Only such recent rows are counted: earlier runs of the demo (on stand-ins that kept
 * running) may be more than the view shows.
 */
async function newRunRow(page) {
  const since = Date.now();
  const recent = async () => {
    const stamps = minutesSince(since);
    return (await runRows(page)).filter((row) => stamps.some((stamp) => row.endsWith(stamp)));
  };
  const before = (await recent()).length;
  return async () => {
    const rows = await recent();
    return rows.length > before ? rows[0] : undefined;
  };
}

/** The state, the first word of a row's description. */
const stateOf = (row) => row.slice(RUN_NAME.length).trim().split(' ')[0];

/** What the panel's (output) editor shows: only the lines in view. */
const panelText = (page) =>
  page
    .locator('.part.panel .monaco-editor .view-lines')
    .first()
    .innerText()
    .then((t) => t.replace(/\u00a0/g, ' '))
    .catch(() => '');

/** The output editor's whole text, read page by page from the top, up to the line holding `last`. */
async function wholeOutput(page, last) {
  await page.locator('.part.panel .monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+Home');
  await sleep(300);
  let text = '';
  for (let i = 0; i < 100; i++) {
    const shown = await panelText(page);
    // Pages overlap by a line or so: append what follows the last line already read.
    const lines = shown.split('\n');
    const tail = text.split('\n').slice(-1)[0];
    const at = tail ? lines.lastIndexOf(tail) : -1;
    text += (text ? '\n' : '') + lines.slice(at + 1).join('\n');
    if (text.includes(last)) return text;
    await page.keyboard.press('PageDown');
    await sleep(200);
  }
  throw new Error(`"${last}" not found in the output: …${text.slice(-400)}`);
}

/** Accepts the quick-pick row containing `row` (after typing `text` to filter). */
export async function choose(page, text, row = text) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 15000 });
  const item = page.locator('.quick-input-list .monaco-list-row', { hasText: row }).first();
  await item.waitFor({ timeout: TIMEOUT }).catch(() => {
    throw new Error(`the quick pick offers no "${row}"`);
  });
  await input.fill(text);
  // The list re-renders (recycling its row elements) after the filter: wait until the top row is the
  // one wanted twice in a row, then Enter takes it.
  const top = () =>
    page
      .locator('.quick-input-list .monaco-list-row')
      .first()
      .innerText({ timeout: 500 })
      .catch(() => '');
  await until(
    page,
    `the quick pick's top row "${row}"`,
    async () => ((await top()).includes(row) && (await sleep(300), (await top()).includes(row)) ? true : undefined),
    15000,
    100,
  );
  await page.keyboard.press('Enter');
}

/** Runs Submit to Batch from the palette and waits for its progress notification. */
export async function startSubmit(page) {
  await runCommand(page, STEPS.submit);
  await toast(page, STEPS.submit)
    .waitFor({ timeout: 30000 })
    .catch(() => {
      throw new Error(`no "${STEPS.submit}" progress notification`);
    });
}

/** Waits for the "Submitted … (job …)" notification; returns it and the run id it names. */
export async function submittedRun(page) {
  const notice = await until(
    page,
    'the "Submitted … (job …)" notification',
    () => toastMessage(page, /Submitted .* \(job [0-9a-f-]{36}\)/),
    RUN_TIMEOUT,
  );
  return { notice, runId: /Submitted (\S+) \(job/.exec(notice)[1] };
}

/** Waits for the "Run … succeeded" notification (a "Run … failed" one fails at once); returns it. */
export function runSucceeded(page, runId) {
  return until(
    page,
    `the "Run ${runId} succeeded" notification`,
    async () => {
      const failed = await toastMessage(page, `Run ${runId} failed`);
      if (failed) throw new Error(failed);
      return toastMessage(page, `Run ${runId} succeeded`);
    },
    RUN_TIMEOUT,
  );
}

/**
 * Download Results… on `runId`, accepting the folder it suggests (results/<run id>); returns that
 * folder (relative to the workspace) and the "Downloaded … files" notification.
 */
export async function downloadRun(page, runId) {
  await runCommand(page, STEPS.download);
  await choose(page, runId);
  const suggested = `results/${runId}`;
  await page
    .waitForFunction((value) => document.querySelector('.quick-input-widget input')?.value === value, suggested, {
      timeout: 15000,
    })
    .catch(() => {
      throw new Error(`the folder prompt does not suggest ${suggested}`);
    });
  await page.locator('.quick-input-widget input').press('Enter');
  const summary = await until(page, 'the "Downloaded … files" notification', () =>
    toastMessage(page, /Downloaded \d+ files/),
  );
  return { suggested, summary };
}

/**
 * Plays the story. `launch` returns a fresh Chromium context. Returns { passed, failed, skipped, runId }.
 * A step that fails takes the steps that need it along; the local and the Batch run do not need each other.
 */
export async function runDemoStory({ baseUrl, folder, shotDir, launch, log = console.log }) {
  fs.mkdirSync(shotDir, { recursive: true });
  for (const f of fs.readdirSync(shotDir)) if (/^demo-.*\.png$/.test(f)) fs.rmSync(path.join(shotDir, f));
  const t0 = Date.now();
  let ctx;
  let page;
  const { results, shots, shot, step } = storySteps({ shotDir, prefix: 'demo', log, page: () => page });

  const workbench = 'the workbench opens the demo workspace with the AWS Batch view';
  const localStarted = 'Run Locally (first item: all 24 tasks) starts a local run';
  const localDone = 'the local run succeeds in the Runs view';
  const submitted = 'Submit to Batch builds, pushes and submits the run';
  const progress = 'the Batch run shows in the Runs view with its progress';
  const batchDone = 'the Batch run succeeds';
  const logs = 'Show Run Logs merges the manager and the workers in one channel';
  const downloaded = 'Download Results… brings results.jsonl back, opened in an editor';
  const walkthrough = 'the Get Started walkthrough has every step checked off';
  let localRow;
  let batchRow;
  let runId;
  log(`Demo story in ${folder}`);
  try {
    await step(workbench, async () => {
      ctx = await launch();
      page = ctx.pages()[0] || (await ctx.newPage());
      await page.goto(workbenchUrl(baseUrl, folder));
      await waitForWorkbench(page);
      await activityEntry(page)
        .waitFor({ timeout: TIMEOUT })
        .catch(() => {
          throw new Error('no "AWS Batch" activity-bar entry (is the extension installed?)');
        });
      await openAwsBatch(page);
      for (const pane of ['Job Queues', 'Jobs', 'Job Definitions']) await setPaneExpanded(page, pane, false);
      await setPaneExpanded(page, 'Runs', true);
      await widenSidebar(page, 640).catch(() => {});
      // aws-batch.json in the editor: what the runs below run.
      await page.keyboard.press('Control+P');
      await page.locator('.quick-input-widget input').fill('aws-batch.json');
      await page
        .locator('.quick-input-list .monaco-list-row', { hasText: 'aws-batch.json' })
        .first()
        .waitFor({ timeout: 15000 });
      await page.keyboard.press('Enter');
      await page.locator('.tab', { hasText: 'aws-batch.json' }).first().waitFor({ timeout: 15000 });
      // The Runs view's first look (run folders, the queues' manager jobs) ends before a run starts.
      await page
        .locator('.part.sidebar .monaco-list-row', { hasText: 'Looking for runs' })
        .waitFor({ state: 'detached', timeout: TIMEOUT })
        .catch(() => {
          throw new Error('the Runs view still says "Looking for runs…"');
        });
      await page
        .locator('.part.sidebar', { hasText: 'Looking for runs' })
        .waitFor({ state: 'detached', timeout: TIMEOUT })
        .catch(() => {});
      await sleep(1000);
      return `${(await runRows(page)).length} earlier ${RUN_NAME} runs listed`;
    });

    await step(localStarted, async () => {
      localRow = await newRunRow(page);
      await runCommand(page, STEPS.runLocally);
      // The first item runs every task with the default number of workers: Enter takes it.
      const first = page.locator('.quick-input-list .monaco-list-row').first();
      await first.waitFor({ timeout: 15000 });
      const offered = clean((await page.locator('.quick-input-list .monaco-list-row').evaluateAll(rowTexts))[0] ?? '');
      const picture = await shot('demo-1-run-locally');
      await page.keyboard.press('Enter');
      const row = await until(page, `a new ${RUN_NAME} row in the Runs view`, localRow, TIMEOUT);
      return `took "${offered}"; ${picture}; new row "${row}"`;
    }, [workbench]);

    await step(localDone, async () => {
      const seen = [];
      let runningShot;
      let lostSince;
      const row = await until(
        page,
        `the local run's row "succeeded · ${TASKS}/${TASKS}"`,
        async () => {
          const text = await localRow();
          if (!text) return undefined;
          const state = stateOf(text);
          if (seen[seen.length - 1] !== state) seen.push(state);
          if (state === 'failed' || state === 'cancelled') throw new Error(`the local run's row reads "${text}"`);
          // A run whose manager has not written progress.json yet may read "lost" for a moment.
          if (state === 'lost') {
            lostSince ??= Date.now();
            if (Date.now() - lostSince > 60_000) throw new Error(`the local run's row reads "${text}" for 60 s`);
          } else lostSince = undefined;
          if (!runningShot && /running · [1-9]\d*\/24/.test(text)) runningShot = await shot('demo-2-local-running');
          return text.includes(`succeeded · ${TASKS}/${TASKS}`) ? text : undefined;
        },
        RUN_TIMEOUT,
        150,
      );
      const picture = await shot('demo-3-local-succeeded');
      return `row states ${seen.join(' → ')}; "${row}"; ${[runningShot ?? 'no running picture', picture].join(', ')}`;
    }, [localStarted]);

    await step(submitted, async () => {
      batchRow = await newRunRow(page);
      await startSubmit(page);
      await sleep(1500); // the progress notification names the step it is at
      const picture = await shot('demo-4-submit');
      ({ runId } = await submittedRun(page));
      return `run ${runId}; ${picture}`;
    }, [workbench]);

    await step(progress, async () => {
      // The view polls every 2 s while a run is active: catch the row while it runs.
      const seen = [];
      await until(
        page,
        'the Batch run row with its progress',
        async () => {
          const text = await batchRow();
          if (text && !seen.includes(text)) seen.push(text);
          return text && (/running · [1-9]\d*\/24/.test(text) || text.includes('succeeded')) ? text : undefined;
        },
        RUN_TIMEOUT,
        150,
      );
      const picture = await shot('demo-5-batch-progress');
      if (!seen.some((text) => /running · [1-9]\d*\/24/.test(text)))
        throw new Error(`the row never showed tasks done while running; it read: ${seen.join(' | ')}`);
      return `${seen.map((s) => `"${s}"`).join(' → ')}; ${picture}`;
    }, [submitted]);

    await step(batchDone, async () => {
      const notice = await runSucceeded(page, runId);
      const row = await until(page, `the run's row "succeeded · ${TASKS}/${TASKS}"`, async () => {
        const text = await batchRow();
        return text?.includes(`succeeded · ${TASKS}/${TASKS}`) ? text : undefined;
      });
      // The newest row (the top one labelled with the run name) expands to this run's jobs.
      await expandRow(page, RUN_NAME).catch(() => {});
      const manager = await sidebarRow(page, runId)
        .waitFor({ timeout: 15000 })
        .then(
          () => true,
          () => false,
        );
      if (!manager) throw new Error(`the newest ${RUN_NAME} row does not list the manager job ${runId}`);
      return `"${notice}"; row "${row}"; ${await shot('demo-6-batch-succeeded')}`;
    }, [submitted]);

    await step(logs, async () => {
      await runCommand(page, STEPS.showRunLogs);
      await choose(page, runId);
      await runCommand(page, 'View: Toggle Maximized Panel');
      const footer = `── ${runId} SUCCEEDED`;
      await until(
        page,
        `the output channel's "${footer}" line`,
        async () => ((await panelText(page)).includes(footer) ? true : undefined),
        TIMEOUT,
      );
      const whole = await wholeOutput(page, footer);
      const firstLine = whole.split('\n').find((line) => line.startsWith('[manager] ')) ?? '';
      if (!firstLine) throw new Error(`the merged log has no [manager] line: ${whole.slice(0, 400)}`);
      const task = /^\[worker \d+\] \[task \d+\] task \d+: seed \d+, 5000000 samples, pi ~ 3\.1/m;
      if (!task.test(whole)) throw new Error(`the merged log has no task line like ${task}: ${whole.slice(-400)}`);
      const workers = new Set(whole.match(/^\[worker \d+\]/gm)).size;
      const summary = /── \S+ SUCCEEDED.*?lines ──/.exec(whole.replace(/\n/g, ' '))?.[0] ?? footer;
      await page.keyboard.press('Control+End');
      await runCommand(page, 'Notifications: Clear All Notifications');
      const picture = await shot('demo-7-run-logs');
      await runCommand(page, 'View: Toggle Maximized Panel');
      return `lines of ${workers} workers and the manager ("${firstLine.slice(0, 70)}…"); "${summary}"; ${picture}`;
    }, [batchDone]);

    await step(downloaded, async () => {
      const { suggested, summary } = await downloadRun(page, runId);
      const file = path.join(folder, suggested, 'results.jsonl');
      const rows = fs
        .readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      if (rows.length !== TASKS || rows.some((row, i) => row.index !== i || typeof row.output?.estimate !== 'number'))
        throw new Error(`${file} has ${rows.length} rows, not one per task with an estimate`);
      // Open it as a user would: Quick Open by path.
      await runCommand(page, 'View: Hide Panel');
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+P');
      await page.locator('.quick-input-widget input').fill(`${suggested}/results.jsonl`);
      await page
        .locator('.quick-input-list .monaco-list-row', { hasText: 'results.jsonl' })
        .first()
        .waitFor({ timeout: 30000 });
      await page.keyboard.press('Enter');
      await page.locator('.tab.active', { hasText: 'results.jsonl' }).waitFor({ timeout: 15000 });
      await until(page, 'results.jsonl shown in the editor', async () => {
        const text = await page
          .locator('.editor-group-container .monaco-editor .view-lines')
          .first()
          .innerText()
          .catch(() => '');
        return /"index":\s*0/.test(text.replace(/\u00a0/g, ' ')) ? true : undefined;
      });
      await runCommand(page, 'View: Toggle Word Wrap'); // each row's estimate in the picture
      const inside = rows.reduce((sum, row) => sum + row.output.inside, 0);
      const samples = rows.reduce((sum, row) => sum + row.output.samples, 0);
      return `"${summary}"; ${rows.length} rows, pi ~ ${((4 * inside) / samples).toFixed(5)}; ${await shot('demo-8-results')}`;
    }, [logs]);

    // Nothing here pressed a walkthrough button: the steps were ticked off by what the story did.
    await step(walkthrough, async () => {
      await runCommand(page, 'Welcome: Open Walkthrough');
      await choose(page, 'Get Started with AWS Batch Runner');
      const steps = () =>
        page.evaluate(() =>
          [...document.querySelectorAll('button.getting-started-step[data-step-id]')].map((el) => [
            el.getAttribute('data-step-id').split('#').pop(),
            el.getAttribute('aria-checked'),
          ]),
        );
      const expected = ['credentials', 'setUp', 'configure', 'runLocally', 'submit', 'watch', 'download'];
      let states = await until(page, 'the walkthrough page with its steps', async () => {
        const found = await steps();
        return found.length === expected.length ? found : undefined;
      });
      const ids = states.map(([id]) => id);
      if (ids.join() !== expected.join()) throw new Error(`the walkthrough's steps are ${ids.join(', ')}`);
      // The extension ticks them off as the page opens (it replays what happened): give it a moment.
      await until(
        page,
        'every step checked',
        async () => {
          states = await steps();
          return states.every(([, checked]) => checked === 'true') ? true : undefined;
        },
        15000,
      ).catch(() => undefined);
      const open = states.filter(([, checked]) => checked !== 'true').map(([id]) => id);
      if (open.length) {
        await shot('demo-9-walkthrough');
        throw new Error(`steps not checked off: ${open.join(', ')}`);
      }
      return `${expected.length} of ${expected.length} checked; ${await shot('demo-9-walkthrough')}`;
    }, [downloaded]);
  } finally {
    if (ctx) await ctx.close().catch(() => {});
  }
  log(`Demo story: ${((Date.now() - t0) / 1000).toFixed(1)} s; ${shots.length} screenshots in ${shotDir}`);
  if (results.skipped) log(`${results.skipped} not run (a step they need failed)`);
  log(`${results.passed} passed, ${results.failed} failed`);
  return { ...results, runId };
}
