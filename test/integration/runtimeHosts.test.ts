// Workers on other hosts: the manager and a worker each run in a network namespace this test
// makes (`ip netns add`, helpers/netns.ts), joined through a bridge in a third namespace, with
// addresses of its choosing and no other route. The manager advertises the address of the interface
// that routes (not loopback), the worker connects back across the link and runs the tasks; with the
// manager's port dropped by a firewall rule in its namespace, the worker says within the handshake
// timeout which address and port it cannot reach and what to open in the security group. Traffic
// stays inside the namespaces and their loopbacks; the namespaces (and with them the veth pairs, the
// bridge and the rule) are removed at the end. Needs root and iproute2/iptables; skipped otherwise.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { HOST_ENV, Lan, inNs, runtimeIn, whyNoNamespaces } from './helpers/netns';
import { assertExit, buildRuntime, cleanUp, makeRun, readJsonFile, readResults, trackDir } from './runtimeSupport';

const tag = randomBytes(3).toString('hex');
const lan = new Lan(tag, ['m', 'w']);
const NS = { manager: lan.host('m').ns, worker: lan.host('w').ns };
const ADDRESS = { manager: lan.host('m').address, worker: lan.host('w').address };

const FAST = {
  BATCH_RUNNER_HEARTBEAT_SECONDS: '0.5',
  BATCH_RUNNER_HANDSHAKE_SECONDS: '2',
  BATCH_RUNNER_MANAGER_TIMEOUT_SECONDS: '6',
  ...HOST_ENV,
};

suite('runtime: workers on other hosts (network namespaces)', function () {
  suiteSetup(function () {
    this.timeout(60_000);
    const why = whyNoNamespaces(tag, ['iptables']);
    if (why) {
      console.log(`      (skipped: ${why})`);
      this.skip();
    }
    buildRuntime();
    lan.create();
  });
  suiteTeardown(() => lan.remove());
  teardown(cleanUp);

  test('the manager advertises its routed address; a worker in the other namespace connects back and runs the tasks', async function () {
    this.timeout(60_000);
    // The namespaces really are apart: no route from the worker's side but the link.
    const subnet = lan.subnet.replace(/\./g, '\\.');
    assert.match(inNs(NS.worker, ['ip', '-4', 'route']), new RegExp(`^${subnet} dev ${lan.host('w').link} `, 'm'));
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
    for (const r of results) assert.equal(r.output.host, `${ADDRESS.worker}/24`);
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
