// UI smoke test: drives the real VS Code workbench (code-server) in Chromium with playwright-core.
// Normally run by scripts/vscode-tests.mjs (after the extension-host tests, same server).
// Standalone, against a running code-server:
//   CS_URL=http://127.0.0.1:18080 DEV_EXT=/path/to/extension WS_FOLDER=/path/to/ws node test/ui/smoke.mjs
// Needs the backend's queues research-queue and priority-queue (compute environments research-ec2 and
// research-fargate) reachable from the extension host.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { runCommand } from './palette.mjs';
import { seedJobs, SMOKE_DEFINITION } from './seedJobs.mjs';
import { prepareSubmitWorkspace, submitChecks } from './submitSmoke.mjs';

const TIMEOUT = Number(process.env.UI_TIMEOUT_MS || 60000);
export const QUEUES = ['research-queue', 'priority-queue'];
export const COMPUTE_ENVS = ['research-ec2', 'research-fargate'];
const REFRESH_TITLE = 'AWS Batch: Refresh Job Queues';

/** URL of the workbench; with extDir the extension is loaded as "under development" (no install). */
export function workbenchUrl(baseUrl, folder, extDir) {
  let url = `${baseUrl}/?folder=${encodeURIComponent(folder)}`;
  if (extDir) {
    const payload = [['extensionDevelopmentPath', `vscode-remote://${new URL(baseUrl).host}${extDir}`]];
    url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  }
  return url;
}

/** The activity-bar entry of our view container. */
export const activityEntry = (page) =>
  page
    .locator('.activitybar a.action-label[aria-label^="AWS Batch"], .activitybar li[aria-label^="AWS Batch"]')
    .first();

/** A tree row in the side bar whose label contains `name`. */
export const sidebarRow = (page, name) =>
  page
    .locator('.part.sidebar .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: name }) })
    .first();

/** Waits for the side-bar row labelled `name`; throws a clear message when it does not appear. */
export async function waitRow(page, name, timeout = TIMEOUT) {
  const row = sidebarRow(page, name);
  await row.waitFor({ timeout }).catch(() => {
    throw new Error(`no side-bar row labelled "${name}" within ${timeout} ms`);
  });
  return row;
}

export async function waitForWorkbench(page, timeout = TIMEOUT) {
  await page.locator('.monaco-workbench').waitFor({ timeout });
  await page.locator('.activitybar').waitFor({ timeout });
}

/** Shows the AWS Batch view container in the side bar (without toggling it closed when already open). */
export async function openAwsBatch(page, timeout = TIMEOUT) {
  const entry = activityEntry(page);
  await entry.waitFor({ timeout });
  // the <li> tab carries the selection state; its <a> carries the label
  const tab = page.locator('.activitybar li.action-item').filter({ has: page.locator('a[aria-label^="AWS Batch"]') });
  const selected = (await tab.count()) > 0 && (await tab.first().getAttribute('aria-selected')) === 'true';
  const sidebarVisible = await page.locator('.part.sidebar').isVisible();
  if (!selected || !sidebarVisible) await entry.click();
}

/** The header of a side-bar pane (view) by its title, e.g. "Jobs". */
const paneHeader = (page, title) =>
  page
    .locator('.part.sidebar .pane-header')
    .filter({ has: page.locator('h3.title', { hasText: new RegExp(`^${title}$`, 'i') }) });

/** Collapses or expands a side-bar pane by clicking its header. */
export async function setPaneExpanded(page, title, expanded) {
  const header = paneHeader(page, title).first();
  await header.waitFor({ timeout: TIMEOUT });
  if ((await header.getAttribute('aria-expanded')) !== String(expanded)) await header.click();
}

/** Widens the side bar by dragging its sash (cosmetic: the queue descriptions fit in screenshots). */
export async function widenSidebar(page, width = 560) {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box || box.width >= width) return;
  const x = box.x + box.width;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(box.x + width, y, { steps: 5 });
  await page.mouse.up();
}

/**
 * Expands the side-bar row labelled `name` (clicks its twistie until aria-expanded is "true").
 * Works on locators only: the tree recycles row elements when it re-renders, so element handles go stale.
 */
export async function expandRow(page, name, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  let clicks = 0;
  for (;;) {
    const row = await waitRow(page, name, Math.max(1000, deadline - Date.now()));
    const state = await row.getAttribute('aria-expanded', { timeout: 5000 }).catch(() => null);
    if (state === 'true') return clicks;
    if (state === null) throw new Error(`row "${name}" is not expandable (no aria-expanded)`);
    if (Date.now() > deadline) throw new Error(`row "${name}" did not expand within ${timeout} ms (${clicks} clicks)`);
    const twistie = row.locator('.monaco-tl-twistie');
    await ((await twistie.count()) ? twistie : row).click({ timeout: 5000 }).catch(() => {});
    clicks++;
    // give the tree time to fetch the children, polling the attribute (re-resolving the row each time)
    const until = Math.min(deadline, Date.now() + 5000);
    while (Date.now() < until) {
      if (
        (await sidebarRow(page, name)
          .getAttribute('aria-expanded', { timeout: 1000 })
          .catch(() => null)) === 'true'
      )
        return clicks;
      await sleep(100);
    }
  }
}

/**
 * Runs the UI checks. `launch` returns a fresh Chromium context (1400x900). Returns { passed, failed }.
 * Every check is a hard failure; checks that depend on a failed one are reported as not run.
 */
export async function runSmoke({ baseUrl, extDir, folder, shotDir, launch }) {
  fs.mkdirSync(shotDir, { recursive: true });
  for (const f of fs.readdirSync(shotDir)) if (/^(0\d-.*|fail-.*)\.png$/.test(f)) fs.rmSync(path.join(shotDir, f));
  const t0 = Date.now();
  const results = { passed: 0, failed: 0, skipped: 0 };
  const errors = [];
  let ctx;
  let page;
  let blocked = null; // name of a failed check that every later check needs
  const passed = new Set();

  async function check(name, fn, { required = false, needs = [] } = {}) {
    const missing = blocked ? [blocked] : needs.filter((n) => !passed.has(n));
    if (missing.length) {
      console.log(`  SKIP ${name} (needs: ${missing.join(', ')})`);
      results.skipped++;
      return false;
    }
    const t = Date.now();
    try {
      const note = await fn();
      results.passed++;
      passed.add(name);
      console.log(`  ok   ${name} (${Date.now() - t} ms)${note ? ': ' + note : ''}`);
      return true;
    } catch (e) {
      results.failed++;
      const msg = String(e && e.message ? e.message : e).split('\n')[0];
      console.log(`  FAIL ${name}: ${msg}`);
      if (page) {
        const shot = path.join(shotDir, `fail-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`);
        await page.screenshot({ path: shot }).then(
          () => console.log(`       screenshot: ${shot}`),
          () => {},
        );
      }
      if (required) blocked = name;
      return false;
    }
  }

  console.log('UI smoke test');
  let seeded;
  // The Runs view's checks (test/ui/runs.mjs) list a results prefix of their own, set before the workbench loads.
  const runsUi = await import('./runs.mjs');
  const runsWorkspace = runsUi.prepareRunsWorkspace(folder);
  const submitWorkspace = prepareSubmitWorkspace(folder);
  try {
    await check(
      'workbench loads with the extension under development',
      async () => {
        ctx = await launch();
        page = ctx.pages()[0] || (await ctx.newPage());
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(m.text());
          if (process.env.VERBOSE) console.log('[browser]', m.text());
        });
        page.on('pageerror', (e) => errors.push(String(e)));
        await page.goto(workbenchUrl(baseUrl, folder, extDir));
        await waitForWorkbench(page);
      },
      { required: true },
    );
    await check(
      'activity bar shows the "AWS Batch" entry',
      async () => {
        await activityEntry(page).waitFor({ timeout: TIMEOUT });
        return `after ${Date.now() - t0} ms`;
      },
      { required: true },
    );
    const listed = `side bar lists the job queues ${QUEUES.join(' and ')}`;
    await check(listed, async () => {
      await openAwsBatch(page);
      for (const q of QUEUES) await waitRow(page, q);
      await widenSidebar(page).catch(() => {});
    });
    const expanded = QUEUES.map((q) => `queue ${q} expands`);
    for (const [i, q] of QUEUES.entries()) {
      await check(
        expanded[i],
        async () => {
          const clicks = await expandRow(page, q);
          return clicks === 0 ? 'was already expanded' : undefined;
        },
        { needs: [listed] },
      );
    }
    const ceName = `compute environments ${COMPUTE_ENVS.join(' and ')} shown under the queues`;
    await check(
      ceName,
      async () => {
        const queueLevel = Number(await sidebarRow(page, QUEUES[0]).getAttribute('aria-level'));
        for (const ce of COMPUTE_ENVS) {
          const rows = page
            .locator('.part.sidebar .monaco-list-row')
            .filter({ has: page.locator('.label-name', { hasText: ce }) });
          await rows
            .first()
            .waitFor({ timeout: TIMEOUT })
            .catch(() => {
              throw new Error(`no side-bar row labelled "${ce}" within ${TIMEOUT} ms`);
            });
          // must be a child row, not e.g. a queue's description text
          await page
            .waitForFunction(
              ({ ce, queueLevel }) =>
                [...document.querySelectorAll('.part.sidebar .monaco-list-row')].some(
                  (r) =>
                    Number(r.getAttribute('aria-level')) > queueLevel &&
                    (r.querySelector('.label-name')?.textContent || '').includes(ce),
                ),
              { ce, queueLevel },
              { timeout: TIMEOUT },
            )
            .catch(() => {
              throw new Error(`"${ce}" is not shown as a child row of a queue`);
            });
        }
      },
      { needs: expanded },
    );
    await check(
      'screenshot 01-queues.png',
      async () => {
        await page.screenshot({ path: path.join(shotDir, '01-queues.png') });
      },
      { needs: [ceName] },
    );
    const seed = 'jobs for the Jobs view are running, failed and finished in moto';
    await check(seed, async () => {
      seeded = await seedJobs();
      return `${seeded.running.name}, ${seeded.failed.name}, ${seeded.array.name}`;
    });
    const jobsShown = 'Jobs view shows status groups with counts and an expanded array job';
    await check(
      jobsShown,
      async () => {
        await setPaneExpanded(page, 'Runs', false);
        await setPaneExpanded(page, 'Job Queues', false);
        await setPaneExpanded(page, 'Job Definitions', false);
        await setPaneExpanded(page, 'Jobs', true);
        // The shared moto holds other tests' jobs too: filter by this run's suffix, as a user would.
        await runCommand(page, 'AWS Batch: Filter Jobs by Name…');
        await page.locator('.quick-input-widget input').fill(seeded.suffix);
        await page.keyboard.press('Enter');
        await page
          .locator('.pane-header .monaco-count-badge, .pane-header .description', { hasText: 'name contains' })
          .first()
          .waitFor({ timeout: 15000 })
          .catch(() => {
            throw new Error('the Jobs view title does not show the active name filter');
          });
        await expandRow(page, 'research-queue');
        for (const group of ['RUNNING (', 'FAILED (', 'SUCCEEDED (']) await waitRow(page, group);
        await expandRow(page, 'RUNNING (');
        await waitRow(page, seeded.running.name);
        await expandRow(page, 'FAILED (');
        await waitRow(page, seeded.failed.name);
        await expandRow(page, 'SUCCEEDED (');
        await expandRow(page, seeded.array.name);
        for (const i of [0, 1, 2]) await waitRow(page, `[${i}] ${seeded.array.name}`);
        await page.mouse.move(1300, 850);
        await page.screenshot({ path: path.join(shotDir, '03-jobs.png') });
        return 'screenshot 03-jobs.png';
      },
      { needs: [listed, seed] },
    );
    await check(
      'Job Definitions view lists revisions with image and resources',
      async () => {
        await runCommand(page, 'AWS Batch: Clear Jobs Filter');
        await setPaneExpanded(page, 'Jobs', false);
        await setPaneExpanded(page, 'Job Definitions', true);
        await expandRow(page, SMOKE_DEFINITION);
        const revision = await waitRow(page, `${SMOKE_DEFINITION}:`);
        const text = await revision.innerText();
        if (!/local\/busybox:latest/.test(text) || !/1 vCPU/.test(text))
          throw new Error(`revision row reads "${text}"`);
        await page.screenshot({ path: path.join(shotDir, '04-definitions.png') });
        await setPaneExpanded(page, 'Job Queues', true);
        return 'screenshot 04-definitions.png';
      },
      { needs: [listed, seed] },
    );
    await check('no error notification while browsing the views', async () => {
      const texts = await page
        .locator('.notifications-toasts .notification-list-item')
        .filter({ has: page.locator('.codicon-error') })
        .allInnerTexts();
      if (texts.length) throw new Error(`error notification: ${texts[0].trim().replace(/\s+/g, ' ')}`);
    });
    const palette = `command palette offers "${REFRESH_TITLE}"`;
    await check(palette, async () => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+Shift+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ timeout: 15000 }).catch(() => {
        throw new Error('the command palette did not open on Ctrl+Shift+P');
      });
      await input.fill(`>${REFRESH_TITLE}`);
      await page
        .locator('.quick-input-list .monaco-list-row', { hasText: REFRESH_TITLE })
        .first()
        .waitFor({ timeout: 15000 })
        .catch(() => {
          throw new Error(`the command palette has no entry "${REFRESH_TITLE}"`);
        });
      await page.screenshot({ path: path.join(shotDir, '02-command-palette.png') });
      return 'screenshot 02-command-palette.png';
    });
    const ran = `"${REFRESH_TITLE}" runs${passed.has(listed) ? ' and the queues are still listed' : ''}`;
    await check(
      ran,
      async () => {
        const errorToasts = page.locator('.notifications-toasts .notification-list-item').filter({
          has: page.locator('.codicon-error'),
        });
        const before = new Set(await errorToasts.allInnerTexts());
        await page.keyboard.press('Enter');
        await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15000 });
        if (passed.has(listed)) for (const q of QUEUES) await waitRow(page, q);
        // an unknown or failing command shows an error toast: poll briefly for a new one
        const deadline = Date.now() + 2000;
        while (Date.now() < deadline) {
          const fresh = (await errorToasts.allInnerTexts()).filter((t) => !before.has(t));
          if (fresh.length) throw new Error(`error notification: ${fresh[0].trim().replace(/\s+/g, ' ')}`);
          await sleep(200);
        }
      },
      { needs: [palette] },
    );
    await submitChecks({ page, check, shotDir, needs: [palette] });
    // Show Logs and Download Results (test/ui/logs.mjs): screenshots of a followed log and a download summary.
    const { logsChecks } = await import('./logs.mjs');
    await logsChecks({ page, check, shotDir, needs: [listed] });
    // The Runs view: mid-run, the finish notice, the failed tasks, the merged log of a run.
    await runsUi.runsChecks({ page, check, shotDir, prefix: runsWorkspace.prefix, needs: [listed] });
  } finally {
    if (ctx) await ctx.close().catch(() => {});
    await seeded?.stop();
    await submitWorkspace.cleanup().catch((e) => console.log(`  (Submit clean-up: ${e.message})`));
  }
  const noise = /ENOTFOUND|ERR_NAME_NOT_RESOLVED|Failed to load resource/;
  const relevant = errors.filter((e) => !noise.test(e));
  if (results.failed && relevant.length) {
    console.log('browser console errors (last 10):');
    for (const e of relevant.slice(-10)) console.log('  ' + e.slice(0, 400));
  }
  console.log(`UI smoke: ${Date.now() - t0} ms; screenshots in ${shotDir}`);
  if (results.skipped) console.log(`${results.skipped} not run (an earlier check they need failed)`);
  console.log(`${results.passed} passed, ${results.failed} failed`);
  return results;
}

// ---- standalone ---------------------------------------------------------------------------------
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ui-smoke-chromium-'));
  runSmoke({
    baseUrl: process.env.CS_URL || 'http://127.0.0.1:18080',
    extDir: process.env.DEV_EXT || repo,
    folder: process.env.WS_FOLDER || path.join(repo, '.work/vscode-state/workspace'),
    shotDir: process.env.SHOT_DIR || path.join(repo, 'test-results/screenshots'),
    launch: () =>
      chromium.launchPersistentContext(profile, {
        executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
        headless: true,
        env: { ...process.env, XDG_CONFIG_HOME: path.join(profile, 'xdg') }, // Chromium's crash-report dir: not in ~/.config
        viewport: { width: 1400, height: 900 },
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-sync'],
      }),
  })
    .then((r) => (process.exitCode = r.failed ? 1 : 0))
    .catch((e) => {
      console.error('UI SMOKE FAILED:', e.message);
      process.exitCode = 2;
    })
    .finally(() => fs.rmSync(profile, { recursive: true, force: true }));
}
