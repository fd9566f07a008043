// Workers on other hosts: the manager and a worker each run in a network namespace this test
// makes (`ip netns add`), joined by a veth pair with addresses of its choosing and no other route.
// The manager advertises the address of the interface that routes (not loopback), the worker
// connects back across the link and runs the tasks; with the manager's port dropped by a firewall
// rule in its namespace, the worker says within the handshake timeout which address and port it
// cannot reach and what to open in the security group. Traffic stays inside the namespaces and
// their loopbacks; both namespaces (and with them the veth pair and the rule) are removed at the
// end. Needs root and iproute2/iptables; skipped otherwise.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  RUNTIME,
  assertExit,
  buildRuntime,
  cleanUp,
  makeRun,
  readJsonFile,
  readResults,
  trackDir,
  trackPid,
  waitUntil,
} from './runtimeSupport';

const tag = randomBytes(3).toString('hex');
const NS = { manager: `br-m-${tag}`, worker: `br-w-${tag}` };
// A /30 from the TEST-NET-ish private range nobody routes here; only the two namespaces have it.
const third = 16 + (parseInt(tag.slice(0, 2), 16) % 200);
const ADDRESS = { manager: `10.231.${third}.1`, worker: `10.231.${third}.2` };

function sh(args: string[]): string {
  const out = spawnSync(args[0], args.slice(1), { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`${args.join(' ')}: ${out.stderr || out.stdout}`);
  return out.stdout;
}

function inNs(ns: string, args: string[]): string {
  return sh(['ip', 'netns', 'exec', ns, ...args]);
}

function canMakeNamespaces(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = `br-probe-${tag}`;
  const made = spawnSync('ip', ['netns', 'add', probe]).status === 0;
  if (made) spawnSync('ip', ['netns', 'del', probe]);
  return made && spawnSync('iptables', ['--version']).status === 0;
}

function makeNamespaces(): void {
  sh(['ip', 'netns', 'add', NS.manager]);
  sh(['ip', 'netns', 'add', NS.worker]);
  const [m, w] = [`vm${tag}`, `vw${tag}`];
  sh(['ip', 'link', 'add', m, 'netns', NS.manager, 'type', 'veth', 'peer', 'name', w, 'netns', NS.worker]);
  for (const [ns, link, address] of [
    [NS.manager, m, ADDRESS.manager],
    [NS.worker, w, ADDRESS.worker],
  ]) {
    inNs(ns, ['ip', 'link', 'set', 'lo', 'up']);
    inNs(ns, ['ip', 'addr', 'add', `${address}/30`, 'dev', link]);
    inNs(ns, ['ip', 'link', 'set', link, 'up']);
  }
}

function removeNamespaces(): void {
  // Deleting a namespace removes its end of the veth pair (and so both ends) and its firewall rules.
  for (const ns of [NS.manager, NS.worker]) spawnSync('ip', ['netns', 'del', ns]);
}

interface Proc {
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
}

/** `node dist/runtime.js ...` inside a namespace; its PID is tracked so cleanUp ends it. */
function runtimeIn(ns: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, RUNTIME, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackPid(child.pid!);
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    output: () => text,
    exited,
    async waitFor(pattern, ms = 20_000) {
      await waitUntil(`${pattern}`, () => pattern.test(text), ms).catch((error) => {
        throw new Error(`${(error as Error).message}\n--- output ---\n${text}`);
      });
      return text.match(pattern)!;
    },
  };
}

const FAST = {
  BATCH_RUNNER_HEARTBEAT_SECONDS: '0.5',
  BATCH_RUNNER_HANDSHAKE_SECONDS: '2',
  BATCH_RUNNER_MANAGER_TIMEOUT_SECONDS: '6',
  // Nothing in these namespaces answers the ECS metadata endpoint; the interfaces decide.
  ECS_CONTAINER_METADATA_URI_V4: '',
  BATCH_RUNNER_ADVERTISE_ADDRESS: '',
  BATCH_RUNNER_BIND_ADDRESS: '',
};

suite('runtime: workers on other hosts (network namespaces)', function () {
  suiteSetup(function () {
    this.timeout(60_000);
    if (!canMakeNamespaces()) this.skip();
    buildRuntime();
    makeNamespaces();
  });
  suiteTeardown(removeNamespaces);
  teardown(cleanUp);

  test('the manager advertises its routed address; a worker in the other namespace connects back and runs the tasks', async function () {
    this.timeout(60_000);
    // The namespaces really are apart: no route from the worker's side but the link.
    assert.match(inNs(NS.worker, ['ip', '-4', 'route']), new RegExp(`^10\\.231\\.${third}\\.0/30 dev vw${tag}`, 'm'));
    assert.equal(inNs(NS.worker, ['ip', '-4', 'route']).trim().split('\n').length, 1);
    const dir = trackDir(
      makeRun({
        name: 'hosts',
        runId: 'hosts-1',
        workers: 1,
        tasks: {
          // The task says where it runs: the address of its host's interface.
          command: [
            'sh',
            '-c',
            'printf \'{"host":"%s"}\' "$(ip -4 -o addr show scope global | awk \'{print $4}\')" > "$TASK_OUTPUT_DIR/output.json"',
          ],
          count: 6,
        },
      }),
    );
    const manager = runtimeIn(NS.manager, ['manager', '--launcher', 'none'], { ...FAST, BATCH_RUNNER_RUN_URI: dir });
    const [, address, port, source] = await manager.waitFor(/listening on ([\d.]+):(\d+) \(address from ([a-z-]+)\)/);
    assert.equal(address, ADDRESS.manager, 'the address of the interface that routes, not loopback');
    assert.equal(source, 'interface');
    const worker = runtimeIn(
      NS.worker,
      ['worker', '--manager', `${address}:${port}`, '--run', dir, '--index', '0'],
      FAST,
    );
    assertExit(await manager.exited, 0, manager.output());
    assertExit(await worker.exited, 0, worker.output());
    assert.match(manager.output(), new RegExp(`worker 0 connected from ${ADDRESS.worker.replace(/\./g, '\\.')}:\\d+`));
    const results = readResults(dir);
    assert.equal(results.length, 6);
    for (const r of results) assert.equal(r.output.host, `${ADDRESS.worker}/30`);
    assert.equal(readJsonFile<{ status: string }>(join(dir, 'summary.json')).status, 'succeeded');
  });

  test("a firewall rule drops the manager's port: the worker names the address, the port and the security-group fix", async function () {
    this.timeout(60_000);
    const dir = trackDir(
      makeRun({ name: 'blocked', runId: 'blocked-1', workers: 1, tasks: { command: ['true'], count: 1 } }),
    );
    const manager = runtimeIn(NS.manager, ['manager', '--launcher', 'none'], {
      ...FAST,
      BATCH_RUNNER_RUN_URI: dir,
      BATCH_RUNNER_PORT: '47301',
    });
    await manager.waitFor(new RegExp(`listening on ${ADDRESS.manager.replace(/\./g, '\\.')}:47301`));
    inNs(NS.manager, ['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', '47301', '-j', 'DROP']);
    const started = Date.now();
    const worker = runtimeIn(
      NS.worker,
      ['worker', '--manager', `${ADDRESS.manager}:47301`, '--run', dir, '--index', '0'],
      FAST,
    );
    const [line] = await worker.waitFor(/cannot reach the manager at .*\(retrying\)/, 10_000);
    const tookMs = Date.now() - started;
    assert.ok(tookMs < 2000 + 3000, `the message came after ${tookMs} ms (handshake timeout 2 s)`);
    assert.ok(line.includes(`${ADDRESS.manager}:47301`), line);
    assert.match(line, /no TCP connection within 2 s/);
    assert.match(line, /security group needs an inbound rule for TCP 47301/);
    // Without a manager it exits on its own after the manager timeout (no orphaned container).
    assertExit(await worker.exited, 4, worker.output());
    assert.equal(
      (worker.output().match(/cannot reach the manager/g) ?? []).length,
      1,
      'one line per distinct problem, not one per attempt',
    );
  });
});
