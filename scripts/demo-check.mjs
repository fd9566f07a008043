#!/usr/bin/env node
// Plays the demo's story (test/ui/demoStory.mjs) in headless Chromium against a running demo
// (scripts/demo.sh --once): Run Locally → Submit to Batch → the run in the Runs view → Show Run Logs
// → Download Results → results.jsonl in an editor, a screenshot per step. With a second folder (a copy
// of the demo workspace without aws-batch.json) it then plays the first-Submit story
// (test/ui/wizardStory.mjs): Create Run Configuration with the defaults → Submit → every worker
// SUCCEEDED → Download Results. Exit code 0 when every step passed, 1 when one failed, 2 when the
// check itself could not run. DEMO_ONLY=demo or DEMO_ONLY=wizard plays one of the two.
// usage: node scripts/demo-check.mjs <code-server URL> <workspace folder> [screenshot folder] [wizard folder]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { BatchClient, ListJobsCommand } from '@aws-sdk/client-batch';
import { runDemoStory } from '../test/ui/demoStory.mjs';
import { runWizardStory } from '../test/ui/wizardStory.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [baseUrl, folder, shotDir = path.join(REPO, 'test-results/screenshots'), wizardFolder] = process.argv.slice(2);
if (!baseUrl || !folder) {
  console.error(
    'usage: node scripts/demo-check.mjs <code-server URL> <workspace folder> [screenshot folder] [wizard folder]',
  );
  process.exit(2);
}
const only = process.env.DEMO_ONLY;
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

/** The Batch jobs of a run, as the stand-in lists them (the wizard story checks the view against it). */
const batch = new BatchClient({});
const listJobs = {
  async arrayOf(runId, jobQueue) {
    const out = await batch.send(
      new ListJobsCommand({ jobQueue, filters: [{ name: 'JOB_NAME', values: [`${runId}-workers`] }] }),
    );
    const array = out.jobSummaryList?.find((job) => job.jobName === `${runId}-workers`);
    if (!array) throw new Error(`no worker array job ${runId}-workers in ${jobQueue}`);
    return array.jobId;
  },
  async children(arrayJobId) {
    return (await batch.send(new ListJobsCommand({ arrayJobId }))).jobSummaryList ?? [];
  },
};

try {
  const totals = { passed: 0, failed: 0, skipped: 0 };
  const stories = [];
  if (only !== 'wizard') stories.push(() => runDemoStory({ baseUrl, folder, shotDir, launch }));
  if (wizardFolder && only !== 'demo')
    stories.push(() => runWizardStory({ baseUrl, folder: wizardFolder, shotDir, launch, listJobs }));
  for (const story of stories) {
    const results = await story();
    await context?.close().catch(() => {});
    for (const key of Object.keys(totals)) totals[key] += results[key];
  }
  console.log(`demo check: ${totals.passed} passed, ${totals.failed} failed`);
  process.exitCode = totals.failed || totals.skipped || !stories.length ? 1 : 0;
} catch (e) {
  console.error(`demo check FAILED: ${String(e?.message ?? e).split('\n')[0]}`);
  process.exitCode = 2;
} finally {
  await context?.close().catch(() => {});
  batch.destroy();
  fs.rmSync(profile, { recursive: true, force: true });
}
