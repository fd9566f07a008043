// The step runner both UI stories share: a named step that is skipped when a step it needs failed,
// timed and logged in one line, with a screenshot of the page when it fails; and screenshots taken
// with the mouse parked away from anything that shows a hover tooltip.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * @param {{ shotDir: string, prefix: string, log: (line: string) => void, page: () => import('playwright-core').Page | undefined }} options
 */
export function storySteps({ shotDir, prefix, log, page }) {
  const results = { passed: 0, failed: 0, skipped: 0 };
  const passed = new Set();
  const shots = [];

  async function shot(name) {
    await page().mouse.move(1390, 450); // no hover tooltip in the picture
    await sleep(300);
    const file = path.join(shotDir, `${name}.png`);
    await page().screenshot({ path: file });
    shots.push(file);
    return path.basename(file);
  }

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
      const current = page();
      if (current) {
        const file = path.join(shotDir, `${prefix}-fail-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`);
        await current.screenshot({ path: file }).then(
          () => log(`       screenshot: ${file}`),
          () => {},
        );
      }
    }
  }

  return { results, passed, shots, shot, step };
}
