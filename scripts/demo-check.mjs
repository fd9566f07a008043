#!/usr/bin/env node
// Plays the demo's story (test/ui/demoStory.mjs) in headless Chromium against a running demo
// (scripts/demo.sh --once): Run Locally → Submit to Batch → the run in the Runs view → Show Run Logs
// → Download Results → results.jsonl in an editor, a screenshot per step. Exit code 0 when every
// step passed, 1 when one failed, 2 when the check itself could not run.
// usage: node scripts/demo-check.mjs <code-server URL> <workspace folder> [screenshot folder]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { runDemoStory } from '../test/ui/demoStory.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [baseUrl, folder, shotDir = path.join(REPO, 'test-results/screenshots')] = process.argv.slice(2);
if (!baseUrl || !folder) {
  console.error('usage: node scripts/demo-check.mjs <code-server URL> <workspace folder> [screenshot folder]');
  process.exit(2);
}
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-check-chromium-'));
let context;
const launch = async () => {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    env: { ...process.env, XDG_CONFIG_HOME: path.join(profile, 'xdg') }, // Chromium's crash-report dir: not in ~/.config
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-sync'],
  });
  return context;
};
// demo.sh stops this check with SIGTERM (to its process group): close Chromium first.
for (const signal of ['SIGTERM', 'SIGINT'])
  process.once(signal, () => {
    void Promise.resolve(context?.close())
      .catch(() => {})
      .finally(() => {
        fs.rmSync(profile, { recursive: true, force: true });
        process.exit(signal === 'SIGTERM' ? 143 : 130);
      });
  });

try {
  const results = await runDemoStory({ baseUrl, folder, shotDir, launch });
  console.log(`demo check: ${results.passed} passed, ${results.failed} failed`);
  process.exitCode = results.failed || results.skipped ? 1 : 0;
} catch (e) {
  console.error(`demo check FAILED: ${String(e?.message ?? e).split('\n')[0]}`);
  process.exitCode = 2;
} finally {
  await context?.close().catch(() => {});
  fs.rmSync(profile, { recursive: true, force: true });
}
