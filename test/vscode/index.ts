// extensionTestsPath entry for the tests that run inside a real VS Code extension host
// (code-server's Node extension host, started by scripts/vscode-tests.mjs).
// VS Code calls run(); the promise settling ends the run (the workbench then reports the exit code).
//
// console.log cannot be replaced inside the extension host (VS Code defines it with a no-op setter),
// so the mocha report is written to the file named by EXT_TEST_LOG through Mocha.reporters.Base.consoleLog;
// the runner prints that file. Its last line is always `N passed, N failed`.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as util from 'util';
import Mocha from 'mocha';

export function run(): Promise<void> {
  return runTestsIn(__dirname);
}

/** Runs the *.test.js files of `dir` (not of its subfolders: untrusted/ has its own entry and server). */
export function runTestsIn(dir: string): Promise<void> {
  const logFile = process.env.EXT_TEST_LOG || path.join(os.tmpdir(), 'aws-batch-ext-tests.txt');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.writeFileSync(logFile, '');
  const write = (...args: unknown[]): void => fs.appendFileSync(logFile, util.format(...args) + '\n');

  const base = Mocha.reporters.Base as unknown as { consoleLog: (...args: unknown[]) => void };
  const origLog = base.consoleLog;
  base.consoleLog = (...args: unknown[]) => {
    write(...args);
    origLog(...args);
  };

  const mocha = new Mocha({
    ui: 'tdd',
    color: false,
    reporter: 'spec',
    timeout: Number(process.env.EXT_TEST_TIMEOUT_MS) || 30000,
    grep: process.env.EXT_TEST_GREP || undefined,
  });
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  for (const f of files) mocha.addFile(path.join(dir, f));

  return new Promise<void>((resolve, reject) => {
    const finish = (passed: number, failed: number, pending: number, error?: unknown): void => {
      base.consoleLog = origLog;
      if (pending) write(`${pending} pending`);
      write(`${passed} passed, ${failed} failed`);
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else if (failed) reject(new Error(`${failed} test(s) failed`));
      else resolve();
    };
    if (files.length === 0) {
      write(`no *.test.js files in ${dir}`);
      finish(0, 1, 0, new Error('no extension-host tests found'));
      return;
    }
    try {
      const runner = mocha.run(() => {
        const s = runner.stats ?? { passes: 0, failures: 1, pending: 0 };
        finish(s.passes, s.failures, s.pending);
      });
    } catch (e) {
      // e.g. a test file that throws while loading
      write('failed to load the tests:', e instanceof Error ? (e.stack ?? e.message) : e);
      finish(0, 1, 0, e);
    }
  });
}
