// The bundled runtime (dist/runtime.js) as real local processes: a manager and its workers over
// TCP on 127.0.0.1, on a filesystem run store. Faults are real too: SIGKILLed processes.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { EXIT } from '../../src/runtime/exitCodes';
import {
  assertExit,
  buildRuntime,
  cleanUp,
  isAlive,
  makeRun,
  readJsonFile,
  readResults,
  runtime,
  trackDir,
  trackPid,
  waitUntil,
} from './runtimeSupport';

/** Short timeouts so faults show within seconds; scratch folders where the suite removes them. */
const FAST = {
  BATCH_RUNNER_HEARTBEAT_SECONDS: '0.5',
  BATCH_RUNNER_PROGRESS_SECONDS: '0.2',
  BATCH_RUNNER_KILL_GRACE_SECONDS: '1',
  TMPDIR: '',
};

/** A task (sh) that writes output.json with its index, attempt and worker-visible input. */
const WRITE_OUTPUT =
  'printf \'{"index":%s,"square":%s,"attempt":%s}\' "$TASK_INDEX" $((TASK_INDEX*TASK_INDEX)) "$TASK_ATTEMPT" > "$TASK_OUTPUT_DIR/output.json"';

interface Summary {
  status: string;
  exitCode: number;
  reason: string;
  tasks: { total: number; succeeded: number; failed: number; retried: number };
  failures: { index: number; attempts: number; exitCode: number | null; reason: string; tail?: string[] }[];
  droppedConnections: number;
}

suite('runtime: local runs (manager and worker processes)', function () {
  suiteSetup(function () {
    this.timeout(60_000);
    buildRuntime();
    // A SIGKILLed worker cannot remove its task folders; they land here and go with the suite.
    FAST.TMPDIR = mkdtempSync(join(tmpdir(), 'runtime-scratch-'));
  });
  teardown(cleanUp);
  suiteTeardown(() => rmSync(FAST.TMPDIR, { recursive: true, force: true }));

  test('100 tasks over 4 workers all succeed; results.jsonl in index order; outputs, progress and summary stored', async function () {
    this.timeout(60_000);
    const dir = trackDir(
      makeRun({
        name: 'hundred',
        runId: 'hundred-1',
        workers: 4,
        tasks: {
          command: [
            'sh',
            '-c',
            `${WRITE_OUTPUT}; mkdir -p "$TASK_OUTPUT_DIR/sub"; echo "file of ${'${index}'}" > "$TASK_OUTPUT_DIR/sub/note.txt"`,
          ],
          count: 100,
        },
      }),
    );
    const run = runtime(['local', '--workers', '4', dir], FAST);
    assertExit(await run.exited, 0, run.output());

    const results = readResults(dir);
    assert.deepEqual(
      results.map((r) => r.index),
      Array.from({ length: 100 }, (_, i) => i),
    );
    for (const r of results) assert.equal(r.output.square, r.index * r.index);
    assert.equal(readFileSync(join(dir, 'tasks/42/sub/note.txt'), 'utf8'), 'file of 42\n');
    assert.deepEqual(readJsonFile(join(dir, 'tasks/7/output.json')), { index: 7, square: 49, attempt: 1 });

    const summary = readJsonFile<Summary>(join(dir, 'summary.json'));
    assert.equal(summary.status, 'succeeded');
    assert.deepEqual([summary.tasks.total, summary.tasks.succeeded, summary.tasks.failed], [100, 100, 0]);
    const progress = readJsonFile<{ state: string; tasks: { succeeded: number } }>(join(dir, 'progress.json'));
    assert.equal(progress.state, 'succeeded');
    assert.equal(progress.tasks.succeeded, 100);
    // Every worker did some of the work, and every worker exited when told to.
    const pids = run.workerPids();
    assert.equal(pids.size, 4);
    for (const pid of pids.values()) assert.ok(!isAlive(pid), `worker ${pid} is still running`);
    // (The manager may exit before the test has read its workers' last lines.)
    await waitUntil('4 workers exiting', () => (run.output().match(/exiting with code 0/g) ?? []).length === 4, 5000);
    assert.deepEqual(readdirSync(FAST.TMPDIR), [], 'workers left task folders behind');
  });

  test('inputs, slots per worker, run environment and ${index} substitution reach each task', async function () {
    this.timeout(30_000);
    const inputs = [{ x: 1 }, { x: 2 }, null, 'text', [1, 2, 3]];
    const marks = join(trackDir(makeRun({})), 'marks');
    mkdirSync(marks);
    // Each task waits (up to 10 s) until all five have started: only five slots side by side let them all finish "together".
    const together =
      'touch "$MARKS/$TASK_INDEX"; n=0; while [ $(ls "$MARKS" | wc -l) -lt 5 ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n+1)); done; ' +
      'if [ $n -lt 100 ]; then t=true; else t=false; fi; ';
    const dir = trackDir(
      makeRun({
        name: 'inputs',
        runId: 'inputs-1',
        workers: 1,
        environment: { GREETING: 'hello', MARKS: marks },
        tasks: {
          command: [
            'sh',
            '-c',
            together +
              'printf \'{"arg":"%s","input":%s,"greeting":"%s","together":%s}\' "$1" "$(cat "$TASK_INPUT")" "$GREETING" $t > "$TASK_OUTPUT_DIR/output.json"',
            'sh',
            'arg-${index}',
          ],
          inputs,
          slotsPerWorker: 5,
        },
      }),
    );
    const run = runtime(['local', '--workers', '1', dir], FAST);
    assertExit(await run.exited, 0, run.output());
    assert.deepEqual(
      readResults(dir).map((r) => r.output),
      inputs.map((input, i) => ({ arg: `arg-${i}`, input, greeting: 'hello', together: true })),
    );
  });

  test('a worker SIGKILLed mid-run: its tasks go back to the queue and every task completes once', async function () {
    this.timeout(60_000);
    const dir = trackDir(
      makeRun({
        name: 'killworker',
        runId: 'killworker-1',
        workers: 4,
        tasks: { command: ['sh', '-c', `sleep 0.25; ${WRITE_OUTPUT}`], count: 40 },
      }),
    );
    const run = runtime(['local', '--workers', '4', dir], FAST);
    await run.waitFor(/started worker 3 \(pid \d+\)/);
    const victim = run.workerPids().get(1)!;
    // Kill it while the run is well under way (every worker is busy with a task then).
    await waitUntil(
      'a few finished tasks',
      () => existsSync(join(dir, 'tasks')) && readdirSync(join(dir, 'tasks')).length >= 8,
      20_000,
    );
    assert.ok(isAlive(victim), 'the run ended before the worker could be killed');
    process.kill(victim, 'SIGKILL');
    assertExit(await run.exited, 0, run.output());

    assert.match(run.output(), /worker 1 is gone \(.*\); tasks [\d, ]+ go back to the queue/);
    const results = readResults(dir);
    assert.deepEqual(
      results.map((r) => r.index),
      Array.from({ length: 40 }, (_, i) => i),
      'each task exactly once in results.jsonl',
    );
    const summary = readJsonFile<Summary>(join(dir, 'summary.json'));
    assert.equal(summary.tasks.succeeded, 40);
    assert.ok(summary.tasks.retried >= 1, 'the lost task was handed out again');
    assert.ok(
      results.some((r) => Number(r.output.attempt) === 2),
      'some task shows its second attempt',
    );
  });

  test('the manager SIGKILLed: every worker (and its task) exits within the manager timeout', async function () {
    this.timeout(60_000);
    const pidDir = trackDir(makeRun({}));
    const dir = trackDir(
      makeRun({
        name: 'killmanager',
        runId: 'killmanager-1',
        workers: 3,
        environment: { PID_DIR: pidDir },
        tasks: { command: ['sh', '-c', 'echo $$ > "$PID_DIR/$TASK_INDEX"; exec sleep 600'], count: 10 },
      }),
    );
    const timeoutSeconds = 2;
    const run = runtime(['local', '--workers', '3', dir], {
      ...FAST,
      BATCH_RUNNER_MANAGER_TIMEOUT_SECONDS: String(timeoutSeconds),
    });
    const taskPids = () =>
      readdirSync(pidDir)
        .filter((f) => /^\d+$/.test(f))
        .map((f) => Number(readFileSync(join(pidDir, f), 'utf8')));
    await waitUntil('a task on every worker', () => taskPids().length >= 3, 20_000);
    taskPids().forEach(trackPid);
    const workers = [...run.workerPids().values()];
    assert.equal(workers.length, 3);
    assert.ok(workers.every(isAlive));

    process.kill(run.child.pid!, 'SIGKILL');
    const killedAt = Date.now();
    await waitUntil('the tasks to be stopped', () => taskPids().every((pid) => !isAlive(pid)), 10_000);
    const elapsed = await waitUntil('the workers to exit', () => workers.every((pid) => !isAlive(pid)), 15_000);
    const seconds = (Date.now() - killedAt) / 1000;
    assert.ok(elapsed >= 0 && seconds <= timeoutSeconds + 4, `workers took ${seconds} s (timeout ${timeoutSeconds} s)`);
    assert.ok(
      seconds >= timeoutSeconds - 0.5,
      `workers left after ${seconds} s, before the timeout: they should retry first`,
    );
    await waitUntil('the exit log lines', () => (run.output().match(/exiting with code 4/g) ?? []).length === 3, 5000);
    assert.match(run.output(), /no contact with the manager for 2 s/);
  });

  test('the manager SIGTERMed (a cancelled job): it stops its workers and their tasks, writes summary.json, exits 143', async function () {
    this.timeout(30_000);
    const pidDir = trackDir(makeRun({}));
    const dir = trackDir(
      makeRun({
        name: 'cancel',
        runId: 'cancel-1',
        workers: 2,
        environment: { PID_DIR: pidDir },
        tasks: { command: ['sh', '-c', 'echo $$ > "$PID_DIR/$TASK_INDEX"; exec sleep 600'], count: 4 },
      }),
    );
    const run = runtime(['local', '--workers', '2', dir], FAST);
    const taskPids = () =>
      readdirSync(pidDir)
        .filter((f) => /^\d+$/.test(f))
        .map((f) => Number(readFileSync(join(pidDir, f), 'utf8')));
    await waitUntil('both workers busy', () => taskPids().length >= 2, 20_000);
    taskPids().forEach(trackPid);
    process.kill(run.child.pid!, 'SIGTERM');
    assertExit(await run.exited, 143, run.output());
    for (const pid of [...taskPids(), ...run.workerPids().values()])
      assert.ok(!isAlive(pid), `process ${pid} outlived the manager`);
    await run.waitFor(/(exiting with code 0[^]*){2}/, 5000);
    const summary = readJsonFile<Summary>(join(dir, 'summary.json'));
    assert.deepEqual(
      [summary.status, summary.exitCode, summary.reason],
      ['cancelled', 143, 'the manager received SIGTERM'],
    );
    assert.equal(readJsonFile<{ state: string }>(join(dir, 'progress.json')).state, 'cancelled');
  });

  test('a frozen manager (SIGSTOP): workers notice the missing heartbeats and exit after the manager timeout', async function () {
    this.timeout(30_000);
    const dir = trackDir(
      makeRun({ name: 'frozen', runId: 'frozen-1', workers: 2, tasks: { command: ['sleep', '600'], count: 2 } }),
    );
    const run = runtime(['local', '--workers', '2', dir], { ...FAST, BATCH_RUNNER_MANAGER_TIMEOUT_SECONDS: '3' });
    await run.waitFor(/worker 1 connected/);
    const workers = [...run.workerPids().values()];
    process.kill(run.child.pid!, 'SIGSTOP');
    try {
      const stoppedAt = Date.now();
      // The TCP connection stays up (the kernel keeps it), so only the heartbeats tell.
      await run.waitFor(/lost the manager: silent for more than 2 s/, 10_000);
      await waitUntil('the workers to exit', () => workers.every((pid) => !isAlive(pid)), 15_000);
      const seconds = (Date.now() - stoppedAt) / 1000;
      assert.ok(seconds >= 3 && seconds < 9, `workers left ${seconds} s after the manager froze`);
      assert.match(run.output(), /stopping: no contact with the manager for 3 s/);
    } finally {
      process.kill(run.child.pid!, 'SIGKILL');
    }
  });

  test('an output.json too large to travel in a message is gathered from the store', async function () {
    this.timeout(30_000);
    const dir = trackDir(
      makeRun({
        name: 'bigoutput',
        runId: 'bigoutput-1',
        workers: 1,
        tasks: {
          command: [
            'sh',
            '-c',
            'printf \'{"index":%s,"blob":"%s"}\' "$TASK_INDEX" "$(head -c 300000 /dev/zero | tr \'\\0\' x)" > "$TASK_OUTPUT_DIR/output.json"',
          ],
          count: 2,
        },
      }),
    );
    const run = runtime(['local', '--workers', '1', dir], FAST);
    assertExit(await run.exited, 0, run.output());
    const results = readResults(dir);
    assert.deepEqual(
      results.map((r) => [r.index, r.output.index, String(r.output.blob).length]),
      [
        [0, 0, 300000],
        [1, 1, 300000],
      ],
    );
  });

  test('a task that fails twice then succeeds is retried and recorded once', async function () {
    this.timeout(30_000);
    const state = trackDir(makeRun({}));
    const dir = trackDir(
      makeRun({
        name: 'flaky',
        runId: 'flaky-1',
        workers: 2,
        environment: { STATE: state },
        tasks: {
          command: [
            'sh',
            '-c',
            'f="$STATE/n$TASK_INDEX"; n=$(( $(cat "$f" 2>/dev/null || echo 0) + 1 )); echo $n > "$f"; ' +
              'if [ "$TASK_INDEX" = 3 ] && [ $n -le 2 ]; then echo "flaky failure $n" >&2; exit 7; fi; ' +
              WRITE_OUTPUT,
          ],
          count: 6,
          retries: 2,
        },
      }),
    );
    const run = runtime(['local', '--workers', '2', dir], FAST);
    assertExit(await run.exited, 0, run.output());
    assert.equal(
      (
        run.output().match(/task 3 \(attempt \d, worker \d\) failed: exit code 7: flaky failure \d; trying again/g) ??
        []
      ).length,
      2,
    );
    const results = readResults(dir);
    assert.equal(results.length, 6);
    assert.equal(results[3].output.attempt, 3);
    const summary = readJsonFile<Summary>(join(dir, 'summary.json'));
    assert.deepEqual([summary.status, summary.tasks.succeeded, summary.tasks.retried], ['succeeded', 6, 2]);
    assert.equal(readFileSync(join(state, 'n3'), 'utf8').trim(), '3');
  });

  test('a task that always fails ends the run with exit 1 and its reason in summary.json', async function () {
    this.timeout(30_000);
    const dir = trackDir(
      makeRun({
        name: 'broken',
        runId: 'broken-1',
        workers: 2,
        tasks: {
          command: [
            'sh',
            '-c',
            `if [ "$TASK_INDEX" = 2 ]; then echo "cannot parse input 2" >&2; exit 9; fi; ${WRITE_OUTPUT}`,
          ],
          count: 5,
          retries: 1,
        },
      }),
    );
    const run = runtime(['local', '--workers', '2', dir], FAST);
    assertExit(await run.exited, 1, run.output());
    const summary = readJsonFile<Summary>(join(dir, 'summary.json'));
    assert.equal(summary.status, 'failed');
    assert.equal(summary.exitCode, 1);
    assert.equal(summary.reason, '1 of 5 tasks failed');
    assert.deepEqual([summary.tasks.succeeded, summary.tasks.failed], [4, 1]);
    assert.equal(summary.failures.length, 1);
    assert.equal(summary.failures[0].index, 2);
    assert.equal(summary.failures[0].attempts, 2);
    assert.match(summary.failures[0].reason, /^exit code 9: cannot parse input 2 \(attempt 2 of 2\)$/);
    assert.equal(summary.failures[0].exitCode, 9);
    assert.deepEqual(summary.failures[0].tail, ['cannot parse input 2']);
    const progress = readJsonFile<{
      seq: number;
      state: string;
      failures: unknown[];
      usage: { workerSeconds: number };
    }>(join(dir, 'progress.json'));
    assert.deepEqual([progress.state, progress.failures], ['failed', summary.failures]);
    assert.ok(progress.seq >= 2 && progress.usage.workerSeconds > 0, JSON.stringify(progress));
    assert.deepEqual(
      readResults(dir).map((r) => r.index),
      [0, 1, 3, 4],
    );
  });

  test('per-task timeout: the attempt is killed (with what it started) and counted as failed', async function () {
    this.timeout(30_000);
    const pidDir = trackDir(makeRun({}));
    const dir = trackDir(
      makeRun({
        name: 'slow',
        runId: 'slow-1',
        workers: 1,
        environment: { PID_DIR: pidDir },
        tasks: { command: ['sh', '-c', 'sleep 300 & echo $! > "$PID_DIR/child"; wait'], count: 1, timeoutSeconds: 1 },
      }),
    );
    const run = runtime(['local', '--workers', '1', dir], FAST);
    assertExit(await run.exited, 1, run.output());
    const child = Number(readFileSync(join(pidDir, 'child'), 'utf8'));
    trackPid(child);
    assert.ok(!isAlive(child), 'the background process of the timed-out task is still running');
    const summary = readJsonFile<Summary>(join(dir, 'summary.json'));
    assert.match(summary.failures[0].reason, /^timed out after 1 s/);
  });

  test("cluster mode: the manager command reaches every worker host; its exit code is the run's; workers stop", async function () {
    this.timeout(30_000);
    const pidDir = trackDir(makeRun({}));
    const port = 20000 + Math.floor(Math.random() * 20000);
    const server =
      "const fs=require('fs');fs.writeFileSync(process.env.PID_DIR+'/w'+process.env.BATCH_WORKER_INDEX,String(process.pid));" +
      "require('net').createServer(s=>s.end('worker '+process.env.BATCH_WORKER_INDEX+' of '+process.env.BATCH_WORKER_COUNT+' at '+process.env.BATCH_WORKER_HOST+' manager '+process.env.BATCH_MANAGER_HOST))" +
      '.listen(Number(process.env.PORT),process.env.BATCH_WORKER_HOST)';
    const client =
      "const net=require('net');const hosts=process.env.BATCH_WORKER_HOSTS.split(',');" +
      'if(hosts.length!==Number(process.env.BATCH_WORKER_COUNT))process.exit(90);' +
      "const ask=(h,tries)=>new Promise((ok,no)=>{const s=net.connect(Number(process.env.PORT),h);let d='';s.on('data',c=>d+=c);" +
      "s.on('end',()=>ok(d));s.on('error',e=>tries>0?setTimeout(()=>ask(h,tries-1).then(ok,no),100):no(e))});" +
      "Promise.all(hosts.map(h=>ask(h,50))).then(r=>{require('fs').writeFileSync(process.env.PID_DIR+'/replies',r.join('\\n'));process.exit(42)},()=>process.exit(91))";
    const dir = trackDir(
      makeRun({
        name: 'cluster',
        runId: 'cluster-1',
        workers: 3,
        environment: { PORT: String(port), PID_DIR: pidDir },
        cluster: { manager: [process.execPath, '-e', client], worker: [process.execPath, '-e', server] },
      }),
    );
    const run = runtime(['local', '--workers', '3', dir], FAST);
    assertExit(await run.exited, 42, run.output());

    const replies = readFileSync(join(pidDir, 'replies'), 'utf8').split('\n').sort();
    assert.deepEqual(replies, [
      'worker 0 of 3 at 127.0.0.2 manager 127.0.0.1',
      'worker 1 of 3 at 127.0.0.3 manager 127.0.0.1',
      'worker 2 of 3 at 127.0.0.4 manager 127.0.0.1',
    ]);
    const summary = readJsonFile<Summary>(join(dir, 'summary.json'));
    assert.deepEqual([summary.status, summary.exitCode], ['failed', 42]);
    assert.match(summary.reason, /the manager command ended: exit code 42/);
    // Every worker command (a server that never ends by itself) and every worker process stopped.
    const commandPids = ['w0', 'w1', 'w2'].map((f) => Number(readFileSync(join(pidDir, f), 'utf8')));
    commandPids.forEach(trackPid);
    await waitUntil('worker commands to stop', () => commandPids.every((pid) => !isAlive(pid)), 10_000);
    await waitUntil('workers to exit', () => [...run.workerPids().values()].every((pid) => !isAlive(pid)), 10_000);
  });

  test('usage errors exit 2 with a clear message', async function () {
    this.timeout(30_000);
    const empty = trackDir(makeRun({}));
    mkdirSync(join(empty, 'nothing'));
    const cases: [string[], RegExp][] = [
      [[], /usage:/],
      [['launch'], /unknown command "launch"/],
      [['local'], /local needs exactly one run folder/],
      [['local', join(empty, 'nothing')], /there is no run.json/],
      [['local', empty], /run.json: name must be/],
      [['worker', '--run', empty], /worker needs --manager HOST:PORT/],
      [['manager', '--launcher', 'ssh'], /BATCH_RUNNER_RUN_URI is not set|unknown launcher/],
    ];
    for (const [args, message] of cases) {
      const run = runtime(args, { BATCH_RUNNER_RUN_URI: '', AWS_BATCH_JOB_ID: '' });
      assertExit(await run.exited, 2, run.output());
      assert.match(run.output(), message, args.join(' '));
    }
    assert.ok(!existsSync(join(empty, 'secret')), 'an invalid run must not get as far as creating a secret');
  });

  test("run.json's runtime section: the manager listens on its port, a worker keeps its manager timeout", async function () {
    this.timeout(30_000);
    const free = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const dir = trackDir(
      makeRun({
        name: 'settings',
        runId: 'settings-1',
        workers: 2,
        tasks: { command: ['true'], count: 4 },
        runtime: { port: free, heartbeatSeconds: 1, managerTimeoutSeconds: 1.5 },
      }),
    );
    const run = runtime(['local', '--workers', '2', dir]);
    await run.waitFor(new RegExp(`listening on 127\\.0\\.0\\.1:${free} `));
    assertExit(await run.exited, 0, run.output());

    // A worker whose manager never answers: gone after run.json's 1.5 s, not the default 60 s.
    const started = Date.now();
    const lonely = runtime(['worker', '--manager', '127.0.0.1:9', '--run', dir, '--index', '7']);
    assertExit(await lonely.exited, EXIT.managerLost, lonely.output());
    assert.ok(Date.now() - started < 10_000, `the worker took ${Date.now() - started} ms to give up`);
    assert.match(lonely.output(), /no contact with the manager for 1\.5 s/);
  });

  test('an inputs file (run.json tasks.inputsFile) is streamed; a re-run names it by path with tasks.indexes', async function () {
    this.timeout(60_000);
    const dir = trackDir(
      makeRun({
        name: 'infile',
        runId: 'infile-1',
        workers: 2,
        tasks: {
          command: ['sh', '-c', 'cp "$TASK_INPUT" "$TASK_OUTPUT_DIR/output.json"'],
          inputsFile: 'inputs.jsonl',
        },
      }),
    );
    const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify({ case: i, name: `c${i}` }));
    writeFileSync(join(dir, 'inputs.jsonl'), lines.join('\n') + '\n');
    const run = runtime(['local', '--workers', '2', dir], FAST);
    assertExit(await run.exited, 0, run.output());
    assert.match(run.output(), /300 task inputs are read from .*inputs\.jsonl as the tasks go out/);
    const results = readResults(dir);
    assert.deepEqual(
      results.map((r) => r.index),
      Array.from({ length: 300 }, (_, i) => i),
    );
    assert.deepEqual(results[123].output, { case: 123, name: 'c123' });

    // Re-run Failed Tasks copies run.json into a new folder: the inputs are named by their path.
    const rerun = trackDir(
      makeRun({
        name: 'infile',
        runId: 'infile-2',
        parentRunId: 'infile-1',
        workers: 1,
        tasks: {
          command: ['sh', '-c', 'cp "$TASK_INPUT" "$TASK_OUTPUT_DIR/output.json"'],
          inputsFile: join(dir, 'inputs.jsonl'),
          count: 300,
          indexes: [7, 250],
        },
      }),
    );
    const again = runtime(['local', '--workers', '1', rerun], FAST);
    assertExit(await again.exited, 0, again.output());
    assert.deepEqual(readResults(rerun), [
      { index: 7, output: { case: 7, name: 'c7' } },
      { index: 250, output: { case: 250, name: 'c250' } },
    ]);
  });
});
