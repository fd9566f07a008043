// Shared by the runtime benchmarks: build dist/runtime.js, make a run folder with a known secret,
// start `node dist/runtime.js ...` processes and stop them again (by PID).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const root = new URL('../..', import.meta.url).pathname;
export const runtimePath = join(root, 'dist/runtime.js');

export function log(message) {
  process.stderr.write(`[bench] ${message}\n`);
}

export function build() {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** The runtime bundle as a library (connectToManager for simulated workers). */
export function loadRuntime() {
  return createRequire(import.meta.url)(runtimePath);
}

/** A run folder with run.json and a secret, so workers can start before the manager. */
export function makeRun(spec) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-run-'));
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ name: 'bench', runId: 'bench-1', ...spec }));
  const secret = randomBytes(32);
  writeFileSync(join(dir, 'secret'), secret.toString('hex') + '\n', { mode: 0o600 });
  return { dir, secret, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const children = new Set();

/** Starts `node dist/runtime.js ...args`; its output is kept (and echoed with BENCH_VERBOSE=1). */
export function start(args, env = {}) {
  const child = spawn(process.execPath, [runtimePath, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk) => {
    output += chunk;
    if (output.length > 1e6) output = output.slice(-5e5);
    if (process.env.BENCH_VERBOSE) process.stderr.write(chunk);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  children.add(child);
  exited.then(() => children.delete(child));
  return {
    child,
    exited,
    output: () => output,
    async waitFor(pattern, timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${pattern}; output:\n${output.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return output.match(pattern);
    },
  };
}

/** Stops every process this benchmark started that is still running. */
export async function stopAll() {
  for (const child of children) child.kill('SIGTERM');
  const deadline = Date.now() + 5000;
  while (children.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const child of children) child.kill('SIGKILL');
}

export function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

export const round = (x, digits = 1) => Number(x.toFixed(digits));

/**
 * Simulated workers in `processes` child processes (bench/lib/simWorkers.mjs), `count` in all, for
 * the manager at 127.0.0.1:port. go() makes them all connect at once and resolves with each
 * process's report; they stay connected (answering heartbeats) until stopAll().
 */
export async function simulateWorkers({ port, secret, count, processes = 4, heartbeatMs = 5000 }) {
  const script = join(root, 'bench/lib/simWorkers.mjs');
  const per = Math.ceil(count / processes);
  const sims = [];
  for (let first = 0; first < count; first += per) {
    const n = Math.min(per, count - first);
    const child = spawn(
      process.execPath,
      [script, runtimePath, String(port), secret.toString('hex'), String(first), String(n), String(heartbeatMs)],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    children.add(child);
    child.once('exit', () => children.delete(child));
    let out = '';
    const report = new Promise((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        out += chunk;
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
      });
      child.once('exit', (code) => reject(new Error(`a simulated-worker process exited ${code}`)));
    });
    sims.push({ child, report });
  }
  // Let the children load the runtime before the start signal.
  await new Promise((r) => setTimeout(r, 1500));
  return {
    go() {
      for (const sim of sims) sim.child.stdin.write('go\n');
      return Promise.all(sims.map((sim) => sim.report));
    },
  };
}
