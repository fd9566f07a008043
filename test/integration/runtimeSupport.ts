// Helpers for the runtime's integration tests: build dist/runtime.js once, make run folders, start
// `node dist/runtime.js ...` and watch its output, and make sure every process a test started is
// gone when it ends (by PID, never by name).
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

export const ROOT = resolve(__dirname, '../../..');
export const RUNTIME = join(ROOT, 'dist/runtime.js');

let built = false;
/** Bundles the runtime from the current sources (once per test process), as the images will carry it. */
export function buildRuntime(): void {
  if (built) return;
  const out = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(out.status, 0, `build failed:\n${out.stderr}`);
  built = true;
}

export function makeRun(spec: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'runtime-test-'));
  writeFileSync(join(dir, 'run.json'), JSON.stringify(spec, null, 2));
  return dir;
}

export function readJsonFile<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export function readResults(dir: string): { index: number; output: Record<string, unknown> }[] {
  const text = readFileSync(join(dir, 'results.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** A process is gone when it no longer exists or is a zombie waiting for its parent to reap it. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitUntil(what: string, check: () => boolean, timeoutMs: number, everyMs = 50): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
  return Date.now() - start;
}

export interface Started {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** PIDs of local workers, from the manager's "started worker i (pid N)" lines. */
  workerPids(): Map<number, number>;
}

const started: Started[] = [];
const extraPids = new Set<number>();
const dirs: string[] = [];

export function runtime(args: string[], env: NodeJS.ProcessEnv = {}): Started {
  const child = spawn(process.execPath, [RUNTIME, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  // Resolve on 'exit': the pipes stay open while workers the process started still write to them.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const handle: Started = {
    child,
    output: () => text,
    exited,
    async waitFor(pattern, timeoutMs = 20_000) {
      await waitUntil(`${pattern} in the output`, () => pattern.test(text), timeoutMs).catch((error) => {
        throw new Error(`${(error as Error).message}\n--- output ---\n${text}`);
      });
      return text.match(pattern)!;
    },
    workerPids() {
      const pids = new Map<number, number>();
      for (const m of text.matchAll(/started worker (\d+) \(pid (\d+)\)/g)) pids.set(Number(m[1]), Number(m[2]));
      return pids;
    },
  };
  started.push(handle);
  return handle;
}

/** Processes the test learned about some other way (task PIDs) that must be gone at the end. */
export function trackPid(pid: number): void {
  extraPids.add(pid);
}

export function trackDir(dir: string): string {
  dirs.push(dir);
  return dir;
}

/** Kills whatever the tests started that is still alive, by PID, and removes their folders. */
export async function cleanUp(): Promise<void> {
  const pids = new Set(extraPids);
  for (const s of started.splice(0)) {
    if (s.child.pid) pids.add(s.child.pid);
    for (const pid of s.workerPids().values()) pids.add(pid);
  }
  extraPids.clear();
  for (const pid of pids) {
    if (isAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  await waitUntil('test processes to end', () => [...pids].every((pid) => !isAlive(pid)), 5000).catch(() => undefined);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function assertExit(result: { code: number | null; signal: string | null }, code: number, output: string): void {
  assert.equal(
    result.code,
    code,
    `exit ${result.code ?? result.signal}, expected ${code}\n--- output ---\n${output.slice(-6000)}`,
  );
}

/** Removes every object under an S3 prefix (what a test put into moto). */
export async function deletePrefix(s3: S3Client, bucket: string, prefix: string): Promise<void> {
  let token: string | undefined;
  do {
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    token = listed.NextContinuationToken;
  } while (token);
}
