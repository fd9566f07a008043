import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import type { Launcher, LaunchStatus, WorkerUsage } from '../../../src/runtime/launch/launcher';
import { runManager } from '../../../src/runtime/manager/manager';
import type { RunOutcome } from '../../../src/runtime/manager/controller';
import type { RunProgress, RunSummary } from '../../../src/runtime/runFiles';
import { readSettings } from '../../../src/runtime/settings';
import type { RunStore } from '../../../src/runtime/store/store';
import { Worker } from '../../../src/runtime/worker/worker';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A run store in memory that keeps every write of each key, in order. */
function memoryStore(files: Record<string, string>) {
  const data = new Map(Object.entries(files).map(([key, text]) => [key, Buffer.from(text)]));
  const writes: { key: string; text: string }[] = [];
  const store: RunStore = {
    location: 'memory',
    read: async (key) => data.get(key),
    write: async (key, body) => {
      data.set(key, Buffer.from(body));
      writes.push({ key, text: String(body) });
    },
    create: async (key, body) => {
      if (data.has(key)) return false;
      data.set(key, Buffer.from(body));
      return true;
    },
    upload: async () => undefined,
    close: () => undefined,
  };
  const json = <T>(key: string): T | undefined => {
    const body = data.get(key);
    return body === undefined ? undefined : (JSON.parse(body.toString()) as T);
  };
  const all = <T>(key: string): T[] => writes.filter((w) => w.key === key).map((w) => JSON.parse(w.text) as T);
  return { store, writes, json, all };
}

const RUN = { name: 'unit', runId: 'unit-1', workers: 1, tasks: { command: ['true'], count: 2 } };

/** A launcher that launches nothing; its stopAll waits until the test lets it go. */
function fakeLauncher() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let stopping!: () => void;
  const stopCalled = new Promise<void>((resolve) => (stopping = resolve));
  let workerSeconds = 7;
  const launcher: Launcher = {
    pollMs: 1000,
    launch: async () => undefined,
    ids: () => [],
    status: async (): Promise<LaunchStatus> => ({ total: 1, pending: 0, running: 1, finished: 0 }),
    terminate: async () => undefined,
    stopAll: async () => {
      stopping();
      await released;
      workerSeconds = 9;
    },
    describe: () => ({ launcher: 'fake' }),
    workerJobId: () => 'arr-1',
    usage: (): WorkerUsage => ({ workerSeconds, vcpus: 2, memoryMiB: 4096 }),
  };
  return { launcher, stopCalled, release };
}

suite('runtime manager: progress.json and summary.json', () => {
  const servers: Server[] = [];
  teardown(() => servers.splice(0).forEach((s) => s.close()));

  test('a cancelled run writes summary.json before it stops its workers; a late worker is told to go and exits 0', async () => {
    const files = memoryStore({ 'run.json': JSON.stringify(RUN) });
    const fake = fakeLauncher();
    let cancel!: (outcome: RunOutcome) => void;
    let clock = 1_000_000;
    const logs: string[] = [];
    const done = runManager({
      store: files.store,
      settings: readSettings({}),
      log: (line) => logs.push(line),
      launcher: async () => fake.launcher,
      loopback: true,
      interrupted: new Promise((resolve) => (cancel = resolve)),
      managerJobId: 'mgr-1',
      now: () => clock,
    });
    await waitUntil('the first progress.json', () => files.all('progress.json').length > 0);
    clock += 30_000;
    cancel({ status: 'cancelled', exitCode: 143, reason: 'the manager received SIGTERM' });
    await fake.stopCalled;

    // While the workers are being stopped, the ending is already on record.
    const early = files.json<RunSummary>('summary.json');
    assert.ok(early, 'summary.json is written before stopAll');
    assert.deepEqual(
      [early.status, early.exitCode, early.reason, early.managerJobId],
      ['cancelled', 143, 'the manager received SIGTERM', 'mgr-1'],
    );
    assert.deepEqual(early.tasks, { total: 2, queued: 2, running: 0, succeeded: 0, failed: 0, retried: 0 });
    assert.deepEqual(early.usage, { managerSeconds: 30, workerSeconds: 7, vcpus: 2, memoryMiB: 4096 });
    const interim = files.json<RunProgress>('progress.json')!;
    assert.deepEqual([interim.state, interim.exitCode], ['cancelled', 143]);

    // A worker that starts now (after the run ended) connects, is told to shut down, and exits 0.
    const port = Number(interim.manager.split(':').pop());
    const workerLogs: string[] = [];
    // (It reads the run secret from the manager's store.)
    const late = new Worker({
      host: '127.0.0.1',
      port,
      store: files.store,
      identity: { workerId: 'late-1', label: '0', address: '127.0.0.1' },
      settings: readSettings({}),
      log: (line) => workerLogs.push(line),
    });
    assert.equal(await late.run(), 0, workerLogs.join('\n'));
    assert.match(workerLogs.join('\n'), /the manager said: the run is over/);

    clock += 10_000;
    fake.release();
    assert.equal(await done, 143);
    const summary = files.json<RunSummary>('summary.json')!;
    assert.equal(files.all('summary.json').length, 2, 'written before and after stopping the workers');
    assert.deepEqual([summary.status, summary.exitCode, summary.reason], ['cancelled', 143, early.reason]);
    assert.deepEqual(summary.usage, { managerSeconds: 40, workerSeconds: 9, vcpus: 2, memoryMiB: 4096 });

    const progress = files.all<RunProgress>('progress.json');
    assert.deepEqual(
      progress.map((p) => p.seq),
      progress.map((_, i) => i + 1),
      'seq counts every write from 1, the final ones included',
    );
    const last = progress.at(-1)!;
    assert.deepEqual(
      [last.state, last.exitCode, last.managerJobId, last.workerJobId],
      ['cancelled', 143, 'mgr-1', 'arr-1'],
    );
    assert.deepEqual(last.usage, summary.usage);
    assert.deepEqual(last.failures, []);
    assert.ok(logs.some((l) => /worker 0 connected/.test(l)));
  });

  test('the listener cannot bind: a failed summary.json and a final progress.json, then the error', async () => {
    const busy = createServer();
    servers.push(busy);
    const port = await new Promise<number>((resolve) =>
      busy.listen(0, '127.0.0.1', () => resolve((busy.address() as { port: number }).port)),
    );
    const files = memoryStore({ 'run.json': JSON.stringify(RUN) });
    await assert.rejects(
      runManager({
        store: files.store,
        settings: { ...readSettings({}), port },
        log: () => undefined,
        loopback: true,
      }),
      /EADDRINUSE/,
    );
    const summary = files.json<RunSummary>('summary.json')!;
    assert.ok(summary, 'summary.json is written');
    assert.deepEqual([summary.status, summary.exitCode], ['failed', 5]);
    assert.match(summary.reason!, /^the manager failed: .*EADDRINUSE/);
    assert.equal(summary.usage.workerSeconds, 0);
    const progress = files.json<RunProgress>('progress.json')!;
    assert.deepEqual([progress.state, progress.exitCode, progress.seq], ['failed', 5, 1]);
  });

  test('without a launcher (Run Locally), the manager waits for expected workers still to connect and tells them the run is over', async () => {
    const files = memoryStore({ 'run.json': JSON.stringify({ ...RUN, workers: 2 }) });
    const logs: string[] = [];
    const done = runManager({
      store: files.store,
      settings: readSettings({}),
      log: (line) => logs.push(line),
      loopback: true,
      awaitLateWorkers: true,
      shutdownGraceMs: 10_000,
    });
    await waitUntil('the first progress.json', () => files.all('progress.json').length > 0);
    const port = Number(files.json<RunProgress>('progress.json')!.manager.split(':').pop());
    const worker = (workerId: string, label: string) => {
      const lines: string[] = [];
      const running = new Worker({
        host: '127.0.0.1',
        port,
        store: files.store,
        identity: { workerId, label, address: '127.0.0.1' },
        settings: readSettings({}),
        log: (line) => lines.push(line),
      });
      return { exit: running.run(), lines };
    };
    // The first worker does both tasks; the run is over before the second one shows up.
    const first = worker('w-0', '0');
    assert.equal(await first.exit, 0, first.lines.join('\n'));
    await waitUntil('the wait for the late worker', () => logs.some((l) => /waiting up to 10 s for 1 workers/.test(l)));
    const second = worker('w-1', '1');
    assert.equal(await second.exit, 0, second.lines.join('\n'));
    assert.match(second.lines.join('\n'), /the manager said: the run is over/);
    const started = Date.now();
    assert.equal(await done, 0);
    assert.ok(Date.now() - started < 2000, 'the manager ends as soon as the late worker has been told');
    assert.equal(files.json<RunSummary>('summary.json')!.status, 'succeeded');

    // Nobody comes: the manager ends after the grace.
    const alone = memoryStore({ 'run.json': JSON.stringify({ ...RUN, workers: 3, runId: 'unit-2' }) });
    const lonely = runManager({
      store: alone.store,
      settings: readSettings({}),
      log: () => undefined,
      loopback: true,
      awaitLateWorkers: true,
      shutdownGraceMs: 300,
    });
    await waitUntil('the first progress.json', () => alone.all('progress.json').length > 0);
    const lonePort = Number(alone.json<RunProgress>('progress.json')!.manager.split(':').pop());
    const only = new Worker({
      host: '127.0.0.1',
      port: lonePort,
      store: alone.store,
      identity: { workerId: 'w-only', label: '0', address: '127.0.0.1' },
      settings: readSettings({}),
      log: () => undefined,
    });
    assert.equal(await only.run(), 0);
    assert.equal(await lonely, 0);
  });
});
