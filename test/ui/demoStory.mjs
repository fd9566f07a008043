// The demo's whole story in the real workbench (code-server with the packaged extension installed),
// driven in Chromium from the command palette as a new user would: Run Locally → the local run
// succeeds in the Runs view → Submit to Batch on the stand-ins → the run in the Runs view with its
// progress → it succeeds → Show Run Logs (manager and workers merged) → Download Results… →
// results.jsonl open in an editor. A screenshot per step (demo-<n>-<step>.png) and, on a failure,
// demo-fail-<step>.png. Used by scripts/demo-check.mjs (npm run demo -- --once).
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCommand } from './palette.mjs';
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
/** The Runs view's "Dec 1 17:34" (src/models/runs/runFormat.ts shortTime), for the minutes from `since` to now. */
function minutesSince(since) {
  const stamps = [];
  for (let t = since - 60_000; t <= Date.now() + 60_000; t += 60_000) {
    const d = new Date(t);
    stamps.push(
      `${MONTHS[d.getMonth()]} ${d.getDate()} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`,
    );
  }
  return stamps;
}

const clean = (text) =>
  text
    .replace(/\u00a0/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
const toasts = (page) => page.locator('.notifications-toasts .notification-list-item');
const toast = (page, text) => toasts(page).filter({ hasText: text }).first();
const errorToasts = (page) => toasts(page).filter({ has: page.locator('.codicon-error') });

/** Fails at once with the text of an error notification that was not there before. */
async function noNewError(page, before) {
  for (const text of await errorToasts(page).allInnerTexts())
    if (!before.has(text)) throw new Error(`error notification: ${clean(text)}`);
}

/** Polls `probe` (returns a value or undefined) until it gives a value; error notifications fail it. */
async function until(page, what, probe, timeout = TIMEOUT, interval = 250) {
  const before = new Set(await errorToasts(page).allInnerTexts());
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await noNewError(page, before);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${Math.round(timeout / 1000)} s`);
    await sleep(interval);
  }
}

/** Texts of the Runs view's rows labelled with the demo's run name, top (newest) first. */
async function runRows(page) {
  const rows = page
    .locator('.part.sidebar .pane')
    .filter({ has: page.locator('.pane-header h3.title', { hasText: /^Runs$/i }) })
    .locator('.monaco-list-row[aria-level="1"]')
    .filter({ has: page.locator('.label-name', { hasText: RUN_NAME }) });
  const texts = await rows.evaluateAll((elements) =>
    elements.map((row) =>
      ['.label-name', '.label-description'].map((css) => row.querySelector(css)?.textContent ?? '').join(' '),
    ),
  );
  return texts.map(clean);
}

/** The newest demo run row created since `since` (its description ends with the creation minute). */
async function newestRow(page, since) {
  const stamps = minutesSince(since);
  return (await runRows(page)).find((text) => stamps.some((stamp) => text.includes(stamp)));
}

/** Accepts the quick pick row containing `row` (after typing `text` to filter). */
async function choose(page, text, row = text) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 15000 });
  const item = page.locator('.quick-input-list .monaco-list-row', { hasText: row }).first();
  await item.waitFor({ timeout: TIMEOUT }).catch(() => {
    throw new Error(`the quick pick offers no "${row}"`);
  });
  await input.fill(text);
  await item.waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
}

/** What the (first) output editor of the panel shows. */
const panelText = (page) =>
  page
    .locator('.part.panel .monaco-editor .view-lines')
    .first()
    .innerText()
    .then((t) => t.replace(/\u00a0/g, ' '))
    .catch(() => '');

/**
 * Plays the story. `launch` returns a fresh Chromium context. Returns { passed, failed, skipped }.
 * A step that fails takes its dependants with it; Run Locally and the Batch run do not depend on each other.
 */
export async function runDemoStory({ baseUrl, folder, shotDir, launch, log = console.log }) {
  fs.mkdirSync(shotDir, { recursive: true });
  for (const f of fs.readdirSync(shotDir)) if (/^demo-.*\.png$/.test(f)) fs.rmSync(path.join(shotDir, f));
  const results = { passed: 0, failed: 0, skipped: 0 };
  const passed = new Set();
  const shots = [];
  const t0 = Date.now();
  let ctx;
  let page;

  const shot = async (name) => {
    await page.mouse.move(1390, 450); // no hover tooltip in the picture
    await sleep(300);
    const file = path.join(shotDir, `${name}.png`);
    await page.screenshot({ path: file });
    shots.push(file);
    return path.basename(file);
  };

  async function step(name, fn, needs = []) {
    const missing = needs.filter((n) => !passed.has(n));
    if (missing.length) {
      log(`  SKIP ${name} (needs: ${missing.join(', ')})`);
      results.skipped++;
      return;
    }
    const t = Date.now();
    try {
      const note = await fn();
      results.passed++;
      passed.add(name);
      log(`  ok   ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)${note ? ': ' + note : ''}`);
    } catch (e) {
      results.failed++;
      log(`  FAIL ${name} (${((Date.now() - t) / 1000).toFixed(1)} s): ${String(e?.message ?? e).split('\n')[0]}`);
      if (page) {
        const file = path.join(shotDir, `demo-fail-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`);
        await page.screenshot({ path: file }).then(
          () => log(`       screenshot: ${file}`),
          () => {},
        );
      }
    }
  }

  log(`Demo story in ${folder}`);
  const workbench = 'the workbench opens the demo workspace with the AWS Batch view';
  const localDone = 'the local run succeeds in the Runs view';
  const submitted = 'Submit to Batch builds, pushes and submits the run';
  const progress = 'the Batch run shows in the Runs view with its progress';
  const batchDone = 'the Batch run succeeds';
  const logs = 'Show Run Logs merges the manager and the workers in one channel';
  const downloaded = 'Download Results brings results.jsonl back, open in an editor';
  const localStarted = 'Run Locally starts a local run of all 24 tasks';
  let localSince;
  let runId;
  let submitSince;
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
    });

    await step(localStarted, async () => {
      localSince = Date.now();
      await runCommand(page, STEPS.runLocally);
      // The first item runs every task with the default number of workers.
      await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 15000 });
      const first = clean(await page.locator('.quick-input-list .monaco-list-row').first().innerText());
      await page.keyboard.press('Enter');
      await until(page, 'a Run Locally notification or a new run row', async () => {
        if (await toast(page, /Run Locally|Building|local run/i).count()) return true;
        return (await newestRow(page, localSince)) !== undefined;
      });
      return `took "${first}"; ${await shot('demo-1-run-locally')}`;
    }, [workbench]);

    await step(localDone, async () => {
      const row = await until(
        page,
        `a ${RUN_NAME} row "succeeded · ${TASKS}/${TASKS}"`,
        async () => {
          const text = await newestRow(page, localSince);
          if (text && /\bfailed\b|\bcancelled\b|\blost\b/.test(text.replace(/ · 0 failed/, '')))
            throw new Error(`the local run's row reads "${text}"`);
          return text && text.includes(`succeeded · ${TASKS}/${TASKS}`) ? text : undefined;
        },
        RUN_TIMEOUT,
      );
      return `"${row}"; ${await shot('demo-2-local-succeeded')}`;
    }, [localStarted]);

    await step(submitted, async () => {
      submitSince = Date.now();
      await runCommand(page, STEPS.submit);
      await toast(page, STEPS.submit)
        .waitFor({ timeout: 30000 })
        .catch(() => {
          throw new Error(`no "${STEPS.submit}" progress notification`);
        });
      await sleep(1500); // the progress notification names the step it is at
      const progressShot = await shot('demo-3-submit');
      const done = await until(
        page,
        'the "Submitted … (job …)" notification',
        async () => {
          const text = await toast(page, /Submitted .* \(job [0-9a-f-]{36}\)/)
            .innerText({ timeout: 500 })
            .catch(() => undefined);
          return text ? clean(text) : undefined;
        },
        RUN_TIMEOUT,
      );
      runId = /Submitted (\S+) \(job/.exec(done)[1];
      return `run ${runId}; ${progressShot}`;
    }, [workbench]);

    await step(progress, async () => {
      // The view polls every 2 s while a run is active: catch the row while it runs.
      const seen = [];
      const row = await until(
        page,
        'the Batch run row with its progress',
        async () => {
          const text = await newestRow(page, submitSince);
          if (text && !seen.includes(text)) seen.push(text);
          if (text && /running · \d+\/24/.test(text)) return text;
          if (text && text.includes('succeeded')) return text;
          return undefined;
        },
        RUN_TIMEOUT,
        150,
      );
      const picture = await shot('demo-4-batch-progress');
      if (!seen.some((text) => /(starting|running)/.test(text)))
        throw new Error(`the row was never shown running; it read: ${seen.join(' | ')}`);
      return `${seen.map((s) => `"${s}"`).join(' → ')}; ${picture} shows "${row}"`;
    }, [submitted]);

    await step(batchDone, async () => {
      const notice = await until(
        page,
        `the "Run ${runId} succeeded" notification`,
        async () => {
          const failedNotice = await toast(page, `Run ${runId} failed`).count();
          if (failedNotice) throw new Error(clean(await toast(page, `Run ${runId} failed`).innerText()));
          const text = await toast(page, `Run ${runId} succeeded`)
            .locator('.notification-list-item-message')
            .innerText({ timeout: 500 })
            .catch(() => undefined);
          return text ? clean(text) : undefined;
        },
        RUN_TIMEOUT,
      );
      const row = await until(page, `the run's row "succeeded · ${TASKS}/${TASKS}"`, async () => {
        const text = await newestRow(page, submitSince);
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
      return `"${notice}"; row "${row}"; ${await shot('demo-5-batch-succeeded')}`;
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
      // The editor renders only the lines in view (the end); the manager's first lines are at the top.
      await page.locator('.part.panel .monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+Home');
      const top = await until(page, 'the top of the merged log', async () => {
        const shown = await panelText(page);
        return /\[manager\] /.test(shown) ? shown : undefined;
      });
      await page.keyboard.press('Control+End');
      const end = await until(page, 'the end of the merged log', async () => {
        const shown = await panelText(page);
        return shown.includes(footer) ? shown : undefined;
      });
      const task = /\[worker \d\] \[task \d+\] task \d+: seed \d+, 1000000 samples, pi ~ 3\.1/;
      if (!task.test(`${top}\n${end}`))
        throw new Error(`the merged log has no task line like ${task}: ${end.slice(-400)}`);
      const firstLine = top.split('\n').find((line) => line.startsWith('[manager]')) ?? '';
      const summary = /── \S+ SUCCEEDED.*?lines ──/.exec(end.replace(/\n/g, ' '))?.[0] ?? footer;
      await runCommand(page, 'Notifications: Clear All Notifications');
      const picture = await shot('demo-6-run-logs');
      await runCommand(page, 'View: Toggle Maximized Panel');
      return `"${firstLine.slice(0, 90)}…", "${summary}"; ${picture}`;
    }, [batchDone]);

    await step(downloaded, async () => {
      await runCommand(page, STEPS.download);
      await choose(page, runId);
      const input = page.locator('.quick-input-widget input');
      const suggested = `results/${runId}`;
      await page
        .waitForFunction((value) => document.querySelector('.quick-input-widget input')?.value === value, suggested, {
          timeout: 15000,
        })
        .catch(() => {
          throw new Error(`the folder prompt does not suggest ${suggested}`);
        });
      await input.press('Enter');
      const summary = await until(page, 'the "Downloaded … files" notification', async () => {
        const text = await toast(page, /Downloaded \d+ files/)
          .innerText({ timeout: 500 })
          .catch(() => undefined);
        return text ? clean(text) : undefined;
      });
      const file = path.join(folder, suggested, 'results.jsonl');
      const rows = fs
        .readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      if (rows.length !== TASKS || rows.some((row, i) => row.index !== i || typeof row.output?.estimate !== 'number'))
        throw new Error(`${file} has ${rows.length} rows, not one per task with an estimate`);
      // Open it as a user would: Quick Open by path.
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
      const estimate =
        (rows.reduce((sum, row) => sum + row.output.inside, 0) * 4) /
        rows.reduce((sum, row) => sum + row.output.samples, 0);
      return `${summary.split(' Reveal in Explorer')[0]}; pi ~ ${estimate.toFixed(5)}; ${await shot('demo-7-results')}`;
    }, [logs]);
  } finally {
    if (ctx) await ctx.close().catch(() => {});
  }
  log(`Demo story: ${((Date.now() - t0) / 1000).toFixed(1)} s; ${shots.length} screenshots in ${shotDir}`);
  if (results.skipped) log(`${results.skipped} not run (a step they need failed)`);
  log(`${results.passed} passed, ${results.failed} failed`);
  return { ...results, runId };
}
