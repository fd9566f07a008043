// Task processes, started by a slot's spawn helper (src/runtime/spawn/spawn.c, built into dist/ by
// the build), by a slot's bash (shellSpawner.ts), and by Node's spawn where neither runs: the same
// environment, output files, exit codes, signals, "not found", stops that reach the whole process
// group, and nothing left running after the task.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeOutcome } from '../../../src/runtime/processes';
import {
  SPAWN_HELPER_VERSION,
  ShellSpawner,
  bashProgram,
  findBash,
  findSpawnHelper,
  framed,
  helperProgram,
  shellQuote,
  taskRecord,
  taskScript,
  type SlotProgram,
} from '../../../src/runtime/worker/shellSpawner';
import { TaskOutput } from '../../../src/runtime/worker/taskOutput';
import { outcomeOfStatus, startTask, type TaskStart } from '../../../src/runtime/worker/taskProcess';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Running (a zombie that nobody reaped yet has ended). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const bash = findBash();
const DIST = join(__dirname, '../../../../dist');

/**
 * The slot program for `how`: the helper must be there (the build makes it), bash may be missing.
 * "helper (fork)" is the helper's way where posix_spawn is refused (a seccomp filter).
 */
function program(how: 'helper' | 'helper (fork)' | 'bash'): SlotProgram | undefined {
  if (how === 'bash') return bash ? bashProgram(bash) : undefined;
  const helper = findSpawnHelper(DIST);
  assert.ok(helper, `no spawn helper that runs here in ${DIST} (npm run build compiles it with gcc)`);
  return helperProgram(helper, { fork: how === 'helper (fork)' });
}

/**
 * A task on `spawner` (undefined: Node's spawn) with its stdout and stderr in `output`'s files:
 * the options every suite here shares, then the test's own.
 */
function startOn(
  spawner: ShellSpawner | undefined,
  output: TaskOutput,
  task: Pick<TaskStart, 'command' | 'env' | 'base'> & Partial<Pick<TaskStart, 'slots' | 'timeoutMs' | 'readStderrEnd'>>,
) {
  return startTask(spawner, {
    stdoutFile: output.stdout.path,
    stderrFile: output.stderr.path,
    killGraceMs: 300,
    readStderrEnd: () => '',
    ...task,
  });
}

for (const how of ['helper', 'helper (fork)', 'bash', 'node'] as const) {
  suite(`runtime task processes (${how})`, () => {
    let dir: string;
    let spawner: ShellSpawner | undefined;
    const base = { ...process.env, SHARED: 'one' };

    setup(function () {
      const slots = how === 'node' ? undefined : program(how);
      if (how === 'bash' && !slots) this.skip();
      dir = mkdtempSync(join(tmpdir(), 'task-process-'));
      spawner = slots ? new ShellSpawner(slots, dir) : undefined;
    });
    teardown(() => {
      spawner?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    function run(command: string[], extra: NodeJS.ProcessEnv = {}, timeoutMs?: number) {
      const output = new TaskOutput(join(dir, 'stdout.out'), join(dir, 'stderr.out'), 7);
      const env = { ...base, ...extra };
      const task = startOn(spawner, output, {
        command,
        env,
        base,
        timeoutMs,
        readStderrEnd: () => {
          output.stderr.read();
          return output.stderrTail.lines().join('\n') + '\n';
        },
      });
      return { task, output };
    }

    test('the environment (shared and per task, quotes and newlines), stdout and stderr in their files', async () => {
      const value = `it's "quoted" $HOME \`x\` \\x41 \\ é ✓ 😀 \u0001\nsecond line`;
      const { task, output } = run(
        ['sh', '-c', 'printf "%s|%s|%s\\n" "$SHARED" "$TASK_INDEX" "$ODD"; echo oops >&2; exit 3'],
        { TASK_INDEX: '42', ODD: value, SHARED: 'one' },
      );
      const outcome = await task.done;
      output.end();
      assert.deepEqual(outcome, { exitCode: 3, signal: null });
      assert.equal(readFileSync(output.stdout.path, 'utf8'), `one|42|${value}\n`);
      assert.equal(output.stderr.kept.text().toString(), 'oops\n');
      assert.equal(output.stderrTail.last(), 'oops');
    });

    test('a UTF-8 shell (where bash counts characters, not bytes) gets non-ASCII values intact', async () => {
      const utf8 = { ...process.env, LC_ALL: 'C.UTF-8' };
      const output = new TaskOutput(join(dir, 'o'), join(dir, 'e'), 1);
      const start = (value: string) =>
        startOn(spawner, output, {
          command: ['sh', '-c', 'printf "%s|" "$V" "$1"', 'sh', `${value}!`],
          env: { ...utf8, V: value },
          base: utf8,
        }).done;
      // Two in a row on the same shell: a miscounted script would spill into the next one.
      assert.deepEqual(await start('ünïcödé ✓ 😀'), { exitCode: 0, signal: null });
      assert.deepEqual(await start('é'), { exitCode: 0, signal: null });
      output.end();
      assert.equal(readFileSync(output.stdout.path, 'utf8'), 'ünïcödé ✓ 😀|ünïcödé ✓ 😀!|é|é!|');
    });

    test('a variable of the shared environment that a task does not have is not set for it', async () => {
      const env = { ...base };
      delete (env as Record<string, string | undefined>).SHARED;
      const output = new TaskOutput(join(dir, 'o'), join(dir, 'e'), 1);
      const task = startOn(spawner, output, { command: ['sh', '-c', 'echo "[${SHARED-unset}]"'], env, base });
      await task.done;
      output.end();
      assert.equal(readFileSync(output.stdout.path, 'utf8'), '[unset]\n');
    });

    test('a signal is reported as the signal; a command that is not there as not found (127)', async () => {
      const killed = await run(['sh', '-c', 'kill -KILL $$']).task.done;
      assert.equal(killed.signal, 'SIGKILL');
      assert.equal(killed.exitCode, null);
      const missing = await run(['batch-runner-no-such-command', 'x']).task.done;
      assert.equal(missing.exitCode, 127);
      assert.equal(describeOutcome(missing), 'command not found: batch-runner-no-such-command');
    });

    test('stop: SIGTERM to the whole group, SIGKILL after the grace; nothing it started outlives it', async () => {
      const pidFile = join(dir, 'child.pid');
      // The task starts a child that ignores SIGTERM, then waits.
      const { task } = run(['sh', '-c', `sh -c 'trap "" TERM; echo $$ > ${pidFile}; sleep 30' & wait`]);
      while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') await sleep(20);
      const child = Number(readFileSync(pidFile, 'utf8'));
      const begin = Date.now();
      task.stop('cancelled by the manager');
      const outcome = await task.done;
      assert.equal(outcome.error, 'cancelled by the manager');
      assert.ok(Date.now() - begin < 5000);
      for (let i = 0; i < 50 && alive(child); i++) await sleep(20);
      assert.equal(alive(child), false, 'the child that ignored SIGTERM is gone too');
    });

    test('a timeout stops the task and says so; the next task runs', async () => {
      const outcome = await run(['sleep', '30'], {}, 200).task.done;
      assert.equal(outcome.error, 'timed out after 0.2 s');
      assert.deepEqual(await run(['true']).task.done, { exitCode: 0, signal: null });
    });

    test('a background process the task left behind is killed when it ends', async () => {
      const pidFile = join(dir, 'left.pid');
      const outcome = await run(['sh', '-c', `sleep 30 & echo $! > ${pidFile}`]).task.done;
      assert.equal(outcome.exitCode, 0);
      const left = Number(readFileSync(pidFile, 'utf8'));
      for (let i = 0; i < 50 && alive(left); i++) await sleep(20);
      assert.equal(alive(left), false);
    });
  });
}

for (const how of ['helper', 'helper (fork)', 'bash'] as const)
  suite(`runtime task processes: tasks waiting in a slot's ${how} (pipelined)`, () => {
    let dir: string;
    let spawner: ShellSpawner;
    const base = { ...process.env };

    setup(function () {
      const slots = program(how);
      if (!slots) this.skip();
      dir = mkdtempSync(join(tmpdir(), 'task-pipeline-'));
      spawner = new ShellSpawner(slots, dir);
    });
    teardown(() => {
      spawner?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    /** A task on `slots` shells; its stdout and stderr in files named after it. */
    function run(name: string, command: string[], options: { slots?: number; timeoutMs?: number } = {}) {
      const output = new TaskOutput(join(dir, `${name}.out`), join(dir, `${name}.err`), 1);
      const task = startOn(spawner, output, {
        command,
        env: { ...base, NAME: name },
        base,
        timeoutMs: options.timeoutMs,
        slots: options.slots ?? 1,
      });
      return { task, output };
    }
    const printed = (name: string) =>
      existsSync(join(dir, `${name}.out`)) ? readFileSync(join(dir, `${name}.out`), 'utf8') : '';

    test('tasks queued on one shell run in order, each with its own output, status and start time', async () => {
      const tasks = ['a', 'b', 'c'].map((name, i) =>
        run(name, ['sh', '-c', `echo "$NAME" >&${1 + (i % 2)}; exit ${i}`]),
      );
      assert.equal(tasks[2].task.startedAt(), undefined, 'the third waits');
      const outcomes = await Promise.all(tasks.map((t) => t.task.done));
      assert.deepEqual(
        outcomes.map((o) => o.exitCode),
        [0, 1, 2],
      );
      for (const t of tasks) t.output.end();
      assert.equal(printed('a'), 'a\n');
      assert.equal(readFileSync(join(dir, 'b.err'), 'utf8'), 'b\n');
      assert.equal(printed('c'), 'c\n');
      const started = tasks.map((t) => t.task.startedAt()!);
      assert.ok(started[0] <= started[1] && started[1] <= started[2]);
    });

    test('the timeout of a waiting task counts from its start, not from when it was queued', async () => {
      const first = run('first', ['sleep', '0.5']);
      const second = run('second', ['sh', '-c', 'echo started; exec sleep 30'], { timeoutMs: 300 });
      const outcome = await second.task.done;
      assert.deepEqual(await first.task.done, { exitCode: 0, signal: null });
      // Counted from when it was queued, it would have timed out while it waited, and never run.
      assert.equal(outcome.error, 'timed out after 0.3 s');
      assert.equal(outcome.signal, 'SIGTERM');
      assert.equal(printed('second'), 'started\n');
    });

    test('a waiting task that is stopped never runs; the tasks after it do', async () => {
      const first = run('first', ['sleep', '0.3']);
      const cancelled = run('cancelled', ['sh', '-c', 'echo ran']);
      const after = run('after', ['sh', '-c', 'echo ran']);
      cancelled.task.stop('cancelled by the manager');
      assert.deepEqual(await cancelled.task.done, { exitCode: null, signal: null, error: 'cancelled by the manager' });
      assert.deepEqual(await first.task.done, { exitCode: 0, signal: null });
      assert.deepEqual(await after.task.done, { exitCode: 0, signal: null });
      assert.equal(cancelled.task.startedAt(), undefined);
      assert.equal(printed('cancelled'), '');
      assert.equal(printed('after'), 'ran\n');
      assert.deepEqual(
        readdirSync(dir).filter((name) => name.startsWith('skip-')),
        [],
        'no skip file is left',
      );
    });

    test('a task waiting behind a long one moves to a shell that fell idle', async () => {
      const flag = join(dir, 'long-started');
      const long = run('long', ['sh', '-c', `: > ${flag}; exec sleep 30`], { slots: 2 });
      // The other shell's task ends once the long one runs (and the worker has heard so).
      const short = run('short', ['sh', '-c', `while [ ! -e ${flag} ]; do sleep 0.01; done; sleep 0.2`], { slots: 2 });
      const waiting = run('waiting', ['sh', '-c', 'echo ran'], { slots: 2 });
      assert.deepEqual(await short.task.done, { exitCode: 0, signal: null });
      assert.deepEqual(await waiting.task.done, { exitCode: 0, signal: null });
      assert.equal(long.task.startedAt() !== undefined, true);
      let longEnded = false;
      void long.task.done.then(() => (longEnded = true));
      await Promise.resolve();
      assert.equal(longEnded, false, 'it ran while the long task still did');
      assert.equal(printed('waiting'), 'ran\n');
      long.task.stop('done with it');
      assert.equal((await long.task.done).error, 'done with it');
    });
  });

suite('runtime task processes: the shell script and the status', () => {
  test('values are single-quoted; only what differs from the shared environment is exported', () => {
    assert.equal(shellQuote(`a'b`), `'a'\\''b'`);
    const script = taskScript(
      { command: ['echo', '$x'], env: { A: '1', B: 'new', SHLVL: '1' }, stdoutFile: '/o', stderrFile: '/e' },
      { A: '1', B: 'old', C: 'gone', SHLVL: '1' },
      '/skip',
    );
    assert.match(
      script,
      /^if \[ -e '\/skip' \]; then .*; else \( unset C; export B='new'; export SHLVL='1'; exec -- 'echo' '\$x' \) <\/dev\/null >>'\/o' 2>>'\/e' & /,
    );
    assert.equal(framed(script), `${script.length} ${script}`);
  });

  test('scripts are ASCII, so bash counts their length in bytes whatever its locale', () => {
    assert.equal(shellQuote('plain $x "y" `z`'), `'plain $x "y" \`z\`'`);
    assert.equal(shellQuote(`é'\\\n`), `$'\\xc3\\xa9\\x27\\x5c\\x0a'`);
    const script = taskScript(
      { command: ['echo', 'ünïcödé ✓'], env: { V: '😀\tx' }, stdoutFile: '/o', stderrFile: '/e' },
      {},
      '/skip',
    );
    assert.match(script, /^[\x20-\x7e]*$/);
    assert.equal(Buffer.byteLength(framed(script)), framed(script).length);
  });

  test('a wait status: 128 + n is signal n; 127 with the shell saying "not found" never ran', () => {
    assert.deepEqual(outcomeOfStatus(143, ['x'], ''), { exitCode: null, signal: 'SIGTERM' });
    assert.deepEqual(outcomeOfStatus(2, ['x'], ''), { exitCode: 2, signal: null });
    assert.deepEqual(outcomeOfStatus(127, ['x'], 'x: not in PATH either\n'), { exitCode: 127, signal: null });
    assert.equal(
      outcomeOfStatus(127, ['nope'], 'bash: line 1: exec: nope: not found\n').error,
      'command not found: nope',
    );
    assert.match(
      outcomeOfStatus(
        126,
        ['/tmp'],
        'bash: line 1: /tmp: Is a directory\nbash: line 1: exec: /tmp: cannot execute: Is a directory\n',
      ).error ?? '',
      /^could not start: \/tmp: cannot execute/,
    );
  });
});

suite('runtime task processes: the spawn helper', () => {
  let dir: string;
  let spawner: ShellSpawner;
  const base = { ...process.env };

  setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'task-helper-'));
    spawner = new ShellSpawner(program('helper')!, dir);
  });
  teardown(() => {
    spawner?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function run(command: string[], env: NodeJS.ProcessEnv = base) {
    const output = new TaskOutput(join(dir, 'o'), join(dir, 'e'), 1);
    const task = startOn(spawner, output, { command, env, base, slots: 1 });
    return {
      task,
      output,
      printed: () => (existsSync(output.stdout.path) ? readFileSync(output.stdout.path, 'utf8') : ''),
    };
  }

  test('the record: the files, what the task unsets and sets, its arguments, its length in bytes', () => {
    const record = taskRecord(
      { command: ['echo', 'ünï', ''], env: { A: '1', B: 'new=x' }, stdoutFile: '/o', stderrFile: '/e' },
      { A: '1', B: 'old', C: 'gone' },
      '/skip',
    );
    const payload = 'k/skip\0o/o\0e/e\0uC\0sB=new=x\0aecho\0aünï\0a\0';
    assert.equal(record, `${Buffer.byteLength(payload)} ${payload}`);
    assert.throws(
      () => taskRecord({ command: ['echo', 'a\0b'], env: {}, stdoutFile: '/o', stderrFile: '/e' }, {}, '/s'),
      /a NUL byte in an argument/,
    );
  });

  test('a NUL byte in an argument fails that task with a reason; the next one runs', async () => {
    const bad = await run(['echo', 'a\0b']).task.done;
    assert.deepEqual(bad, { exitCode: 126, signal: null, error: 'could not start: a NUL byte in an argument' });
    assert.deepEqual(await run(['true']).task.done, { exitCode: 0, signal: null });
  });

  test("the command is looked up in the task's PATH; a file without #! runs through /bin/sh", async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'greet'), 'echo "hello $WHO"\n', { mode: 0o755 });
    const env = { ...base, PATH: `${bin}:${base.PATH}`, WHO: 'task' };
    const { task, output, printed } = run(['greet'], env);
    assert.deepEqual(await task.done, { exitCode: 0, signal: null });
    output.end();
    assert.equal(printed(), 'hello task\n');
    // Not in the worker's own PATH: a lookup there says not found.
    assert.equal(describeOutcome(await run(['greet']).task.done), 'command not found: greet');
  });

  test('a directory or a file that may not be run: could not start (126), with the reason', async () => {
    writeFileSync(join(dir, 'plain'), 'x', { mode: 0o644 });
    for (const command of [[dir], [join(dir, 'plain')]]) {
      const outcome = await run(command).task.done;
      assert.deepEqual(outcome, { exitCode: 126, signal: null, error: 'could not start: Permission denied' });
    }
  });

  test('a task that runs longer than a moment reports its start while it runs', async () => {
    const { task } = run(['sleep', '0.3']);
    for (let i = 0; i < 100 && task.startedAt() === undefined; i++) await sleep(10);
    assert.notEqual(task.startedAt(), undefined, 'started while it runs');
    assert.deepEqual(await task.done, { exitCode: 0, signal: null });
  });

  test('a malformed record ends the helper with a message; --version and --check name its protocol', () => {
    const helper = findSpawnHelper(DIST)!;
    const answer = spawnSync(helper, [], { input: '5 xabc\0', encoding: 'utf8' });
    assert.equal(answer.status, 3);
    assert.match(answer.stderr, /batch-runner-spawn: a malformed record/);
    assert.equal(spawnSync(helper, ['--version'], { encoding: 'utf8' }).stdout, `${SPAWN_HELPER_VERSION}\n`);
    assert.equal(spawnSync(helper, ['--check'], { encoding: 'utf8' }).stdout, `${SPAWN_HELPER_VERSION}\n`);
    assert.equal(spawnSync(helper, ['--bogus'], { encoding: 'utf8' }).status, 2);
  });
});

suite('runtime task processes: the spawn helper under malformed input', () => {
  // The worker is the helper's only writer, but a bug there must end in a message, not a crash or
  // a hang: random records (framing, field kinds and bytes), each given to a fresh helper.
  test('300 random inputs: each ends with exit 0 or 3, never a signal, within its time', () => {
    const helper = findSpawnHelper(DIST)!;
    assert.ok(helper, `no spawn helper in ${DIST}`);
    let seed = 0x5eed;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed % n;
    };
    const kinds = 'koeusaxz\0';
    const cwd = mkdtempSync(join(tmpdir(), 'helper-fuzz-'));
    let ran = 0;
    const text = (n: number, alphabet = 90) =>
      Buffer.from(Array.from({ length: random(n) }, () => 32 + random(alphabet)))
        .toString('latin1')
        .replace(/[/=]/g, '_');
    let wellFormed = 0;
    for (let i = 0; i < 300; i++) {
      let input: Buffer;
      if (i % 2 === 0) {
        // Well formed, random values: a command name that no PATH has, so it is never started.
        const fields = ['o' + text(8), 'e' + text(8), `u${text(6)}`, `s${text(6)}=${text(20, 200)}`, 'a' + text(10)];
        fields.push(...Array.from({ length: random(4) }, () => 'a' + text(30, 200)));
        const payload = Buffer.from(fields.map((f) => f + '\0').join(''), 'latin1');
        input = Buffer.concat([Buffer.from(`${payload.length} `), payload]);
      } else {
        const fields: Buffer[] = [];
        for (let f = random(6); f > 0; f--) {
          const bytes = Buffer.alloc(random(12), 0).map(() => (random(4) === 0 ? 0 : 32 + random(90)));
          fields.push(Buffer.concat([Buffer.from(kinds[random(kinds.length)]), bytes, Buffer.from([0])]));
        }
        const payload = Buffer.concat(fields);
        // The length is right, off by a little, or missing its space.
        const length = Math.max(0, payload.length + [0, 0, -1, 1, 7][random(5)]);
        input = Buffer.concat([Buffer.from(random(10) === 0 ? `${length}` : `${length} `), payload]);
      }
      const answer = spawnSync(helper, [], {
        input,
        timeout: 5000,
        // A record that happens to be valid would start its command: none is found on this PATH,
        // and files it names are made in a folder of the test's own.
        env: { PATH: '/nonexistent' },
        cwd,
      });
      const said = answer.stdout.toString();
      if (/^[SDE] /m.test(said)) ran++;
      assert.equal(answer.signal, null, `input ${i}: ${JSON.stringify(input.toString('latin1'))}`);
      assert.ok([0, 3].includes(answer.status ?? -1), `input ${i} exited ${answer.status}: ${answer.stderr}`);
      if (i % 2 === 0) {
        assert.equal(answer.status, 0, `input ${i}: ${answer.stderr}`);
        assert.match(said, /^X 127 /, `input ${i}`);
        wellFormed++;
      }
    }
    rmSync(cwd, { recursive: true, force: true });
    assert.equal(ran, 0, 'no random record started a process');
    assert.equal(wellFormed, 150);
  });
});

suite('runtime task processes: the spawn helper where posix_spawn is refused', () => {
  let dir: string;
  let wrapper: string;
  let helper: string;

  suiteSetup(() => {
    dir = mkdtempSync(join(tmpdir(), 'task-seccomp-'));
    helper = findSpawnHelper(DIST)!;
    assert.ok(helper, `no spawn helper in ${DIST}`);
    wrapper = join(dir, 'deny-clone3');
    const source = join(__dirname, '../../../../test/unit/runtime/helpers/deny-clone3.c');
    const built = spawnSync('gcc', ['-o', wrapper, source], { encoding: 'utf8' });
    assert.equal(built.status, 0, `gcc could not build ${source}: ${built.stderr ?? built.error}`);
  });
  suiteTeardown(() => rmSync(dir, { recursive: true, force: true }));

  test('--check still answers, and says once that tasks start with fork and exec', () => {
    const answer = spawnSync(wrapper, [helper, '--check'], { encoding: 'utf8' });
    assert.equal(answer.stdout, `${SPAWN_HELPER_VERSION}\n`, answer.stderr);
    assert.match(
      answer.stderr,
      /posix_spawn is refused here \(Operation not permitted\); tasks start with fork and exec\n$/,
    );
    assert.equal(answer.stderr.split('\n').length, 2, 'said once');
  });

  test('tasks run, with their environment, output, status and "not found", under that filter', async () => {
    const spawner = new ShellSpawner({ ...helperProgram(helper), path: wrapper, args: [helper] }, dir);
    try {
      const base = { ...process.env };
      const output = new TaskOutput(join(dir, 'o'), join(dir, 'e'), 1);
      const start = (command: string[], env: NodeJS.ProcessEnv = base) =>
        startOn(spawner, output, { command, env, base, slots: 1 }).done;
      assert.deepEqual(await start(['sh', '-c', 'echo "[$V]"; exit 4'], { ...base, V: 'seen' }), {
        exitCode: 4,
        signal: null,
      });
      assert.deepEqual(await start(['true']), { exitCode: 0, signal: null });
      assert.equal(
        describeOutcome(await start(['batch-runner-no-such-command'])),
        'command not found: batch-runner-no-such-command',
      );
      output.end();
      assert.equal(readFileSync(output.stdout.path, 'utf8'), '[seen]\n');
    } finally {
      spawner.close();
    }
  });
});
