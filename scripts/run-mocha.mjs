// Runs one test tier's compiled mocha files with the spec reporter and ends with the line
// "<tier>: N passed, N failed" that npm test and CI read.
// usage: node scripts/run-mocha.mjs <tier> <dir-with-*.test.js> [timeout-ms]
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Mocha from 'mocha';

const [tier, dir, timeout = '20000'] = process.argv.slice(2);
if (!tier || !dir) {
  console.error('usage: node scripts/run-mocha.mjs <tier> <dir> [timeout-ms]');
  process.exit(2);
}
const mocha = new Mocha({ ui: 'tdd', reporter: 'spec', timeout: Number(timeout), color: false });
const files = readdirSync(resolve(dir), { recursive: true })
  .filter((file) => String(file).endsWith('.test.js'))
  .sort();
for (const file of files) mocha.addFile(join(resolve(dir), String(file)));
if (files.length === 0) {
  console.log(`${tier}: 0 passed, 1 failed (no *.test.js files in ${dir})`);
  process.exit(1);
}
const runner = mocha.run(() => {
  const { passes, failures, pending } = runner.stats;
  console.log(`${tier}: ${passes} passed, ${failures} failed${pending ? `, ${pending} pending` : ''}`);
  process.exit(failures ? 1 : 0);
});
