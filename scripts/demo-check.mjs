#!/usr/bin/env node
// Checks a running demo (scripts/demo.sh --once): the workbench in Chromium shows the "AWS Batch"
// activity-bar entry of the installed extension and, after clicking it, a research-queue row.
// usage: node scripts/demo-check.mjs <code-server URL> <workspace folder> [screenshot.png]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { waitForWorkbench, activityEntry, openAwsBatch, waitRow, workbenchUrl } from '../test/ui/smoke.mjs';

const [baseUrl, folder, shot] = process.argv.slice(2);
if (!baseUrl || !folder) {
  console.error('usage: node scripts/demo-check.mjs <code-server URL> <workspace folder> [screenshot.png]');
  process.exit(2);
}
const TIMEOUT = Number(process.env.UI_TIMEOUT_MS || 60000);
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-check-chromium-'));
let ctx;
let step = 'starting Chromium';
const t0 = Date.now();
try {
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    env: { ...process.env, XDG_CONFIG_HOME: path.join(profile, 'xdg') }, // Chromium's crash-report dir: not in ~/.config
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-sync'],
  });
  const page = ctx.pages()[0] || (await ctx.newPage());
  step = `loading the workbench at ${baseUrl}`;
  await page.goto(workbenchUrl(baseUrl, folder));
  await waitForWorkbench(page, TIMEOUT);
  step = 'waiting for the "AWS Batch" activity-bar entry (is the extension installed?)';
  await activityEntry(page).waitFor({ timeout: TIMEOUT });
  step = 'opening the AWS Batch view and waiting for the research-queue row (is the backend up?)';
  await openAwsBatch(page, TIMEOUT);
  await waitRow(page, 'research-queue', TIMEOUT);
  if (shot) {
    fs.mkdirSync(path.dirname(shot), { recursive: true });
    await page.screenshot({ path: shot });
  }
  console.log(
    `demo check passed in ${Date.now() - t0} ms: "AWS Batch" entry and research-queue row shown` +
      (shot ? `; screenshot ${shot}` : ''),
  );
  process.exitCode = 0;
} catch (e) {
  console.error(`demo check FAILED while ${step}: ${String(e && e.message ? e.message : e).split('\n')[0]}`);
  process.exitCode = 1;
} finally {
  if (ctx) await ctx.close().catch(() => {});
  fs.rmSync(profile, { recursive: true, force: true });
}
