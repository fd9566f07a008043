// Cluster mode with MPI, as the README's example: each worker runs sshd on port 22 (ready when it
// accepts), the manager command runs `mpirun --hostfile $BATCH_WORKER_HOSTFILE` and Open MPI starts
// its daemons on the workers over ssh. The manager and three workers are hosts of their own (network
// namespaces on a bridge, helpers/netns.ts), so the hostfile's addresses are different machines to
// mpirun. The MPI program (mpi/simulate.c, compiled here with mpicc) has every rank print its host's
// address and add the address's last number into an MPI_Allreduce; rank 0 gathers the addresses.
// The test generates its own host key, user key, known_hosts and ssh/sshd config files in a temp
// folder (never ~/.ssh or /etc/ssh); sshd listens only on the worker's address. Needs root, iproute2,
// Debian's openmpi-bin, libopenmpi-dev and openssh-server (`bash scripts/backend.sh up` installs
// them); skipped only where network namespaces cannot be made.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOST_ENV, Lan, runtimeIn, sh, whyNoNamespaces, type Proc } from './helpers/netns';
import { ROOT, assertExit, buildRuntime, cleanUp, makeRun, readJsonFile, trackDir, waitUntil } from './runtimeSupport';

const tag = randomBytes(3).toString('hex');
const lan = new Lan(tag, ['m', 'w0', 'w1', 'w2']);
const manager = lan.host('m');
const workers = lan.hosts.filter((h) => h !== manager);

/** The README's MPI example (aws-batch.json's cluster); the test adds only `-f <its sshd_config>`. */
const WORKER =
  'mkdir -p /run/sshd && exec /usr/sbin/sshd -D -e -p $BATCH_WORKER_PORT -o ListenAddress=$BATCH_WORKER_HOST';
const MANAGER =
  'mpirun --allow-run-as-root --hostfile $BATCH_WORKER_HOSTFILE -np $BATCH_WORKER_COUNT --map-by node ./simulate';

const NEEDED = [
  '/usr/bin/mpirun',
  '/usr/bin/mpicc',
  '/usr/bin/orted',
  '/usr/sbin/sshd',
  '/usr/bin/ssh',
  '/usr/bin/ssh-keygen',
];

const FAST = {
  BATCH_RUNNER_HEARTBEAT_SECONDS: '0.5',
  BATCH_RUNNER_MANAGER_TIMEOUT_SECONDS: '10',
  BATCH_RUNNER_KILL_GRACE_SECONDS: '2',
  ...HOST_ENV,
};

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

suite('runtime: cluster mode with MPI (mpirun over ssh to workers on other hosts)', function () {
  let dir = '';
  let madeRunSshd = false;

  suiteSetup(function () {
    this.timeout(60_000);
    const why = whyNoNamespaces(tag);
    if (why) {
      console.log(`      (skipped: ${why})`);
      this.skip();
    }
    const missing = NEEDED.filter((path) => !existsSync(path));
    assert.deepEqual(
      missing,
      [],
      "Debian's openmpi-bin, libopenmpi-dev and openssh-server are needed (bash scripts/backend.sh up installs them)",
    );
    buildRuntime();
    dir = mkdtempSync(join(tmpdir(), 'runtime-mpi-'));
    sh(['mpicc', '-O2', '-o', join(dir, 'simulate'), join(ROOT, 'test/integration/mpi/simulate.c')]);
    // Keys and config files of the test's own.
    sh(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'batch-runner test host', '-f', join(dir, 'host_key')]);
    sh(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'batch-runner test user', '-f', join(dir, 'id_ed25519')]);
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'id_ed25519.pub')));
    const hostKey = readFileSync(join(dir, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    writeFileSync(join(dir, 'known_hosts'), workers.map((w) => `${w.address} ${hostKey}\n`).join(''));
    writeFileSync(
      join(dir, 'sshd_config'),
      [
        `HostKey ${join(dir, 'host_key')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        // The key files are in a temp folder under /tmp, not a home directory sshd would check.
        'StrictModes no',
        'PidFile none',
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'ssh_config'),
      [
        'Host *',
        '  User root',
        `  IdentityFile ${join(dir, 'id_ed25519')}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${join(dir, 'known_hosts')}`,
        '  GlobalKnownHostsFile /dev/null',
        '  StrictHostKeyChecking yes',
        '  BatchMode yes',
        '  ConnectTimeout 10',
        '',
      ].join('\n'),
    );
    madeRunSshd = !existsSync('/run/sshd');
    lan.create();
  });

  suiteTeardown(async function () {
    this.timeout(30_000);
    await lan.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
    // The worker command makes sshd's privilege separation folder, as it would in an image.
    if (madeRunSshd) {
      try {
        rmdirSync('/run/sshd');
      } catch {
        // not made after all, or in use by another sshd
      }
    }
  });

  teardown(cleanUp);

  test('mpirun --hostfile $BATCH_WORKER_HOSTFILE runs one rank per worker; the ranks reduce and gather across the hosts', async function () {
    this.timeout(120_000);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    assert.ok(readme.includes(`"${WORKER}"`), "the README's MPI example has this worker command");
    assert.ok(readme.includes(`"${MANAGER}"`), "the README's MPI example has this manager command");
    const run = trackDir(
      makeRun({
        name: 'mpi',
        runId: 'mpi-1',
        workers: workers.length,
        // Test-only settings, in the run's environment: the test's ssh config, and Open MPI's TCP on
        // the hosts' subnet only.
        environment: {
          OMPI_MCA_plm_rsh_agent: `ssh -F ${join(dir, 'ssh_config')}`,
          OMPI_MCA_pml: 'ob1',
          OMPI_MCA_btl: 'self,tcp',
          OMPI_MCA_btl_tcp_if_include: lan.subnet,
          OMPI_MCA_oob_tcp_if_include: lan.subnet,
        },
        cluster: {
          workerPort: 22,
          worker: ['sh', '-c', WORKER.replace('/usr/sbin/sshd ', `/usr/sbin/sshd -f ${join(dir, 'sshd_config')} `)],
          manager: ['sh', '-c', MANAGER],
        },
      }),
    );
    const started = Date.now();
    // TMPDIR: the manager's hostfile folder is in the test's, gone at the end even if the manager is killed.
    const m = runtimeIn(
      manager.ns,
      ['manager', '--launcher', 'none'],
      { ...FAST, BATCH_RUNNER_RUN_URI: run, TMPDIR: dir },
      dir,
    );
    const [, address, port] = await m.waitFor(/listening on ([\d.]+):(\d+)/);
    assert.equal(address, manager.address);
    const ws: Proc[] = workers.map((w, i) =>
      runtimeIn(w.ns, ['worker', '--manager', `${address}:${port}`, '--run', run, '--index', String(i)], FAST),
    );
    const all = () => [m, ...ws].map((p) => p.output()).join('\n--- next process ---\n');
    assertExit(await m.exited, 0, all());
    for (const w of ws) assertExit(await w.exited, 0, all());
    const tookMs = Date.now() - started;
    const out = m.output();

    // Every worker's sshd listened on its own address only and was ready before mpirun ran.
    ws.forEach((w, i) => {
      assert.match(w.output(), new RegExp(`Server listening on ${escape(workers[i].address)} port 22\\.`));
      assert.match(w.output(), /the worker command is ready \(port 22 accepts connections\)/);
    });
    const [, hosts] = out.match(/running the manager command with 3 workers: (.*)/) ?? assert.fail(out);
    const addresses = hosts.split(', ');
    assert.deepEqual([...addresses].sort(), workers.map((w) => w.address).sort(), 'the hostfile lists the workers');
    // mpirun (on the manager's host) logged in to each worker with the test's key.
    ws.forEach((w, i) =>
      assert.match(
        w.output(),
        new RegExp(`Accepted publickey for root from ${escape(manager.address)} port \\d+`),
        `worker ${i}: no ssh login from the manager\n${w.output()}`,
      ),
    );
    // One rank per host, in hostfile order (--map-by node), each on a different address.
    addresses.forEach((a, rank) => assert.match(out, new RegExp(`^rank ${rank} of 3 on ${escape(a)}$`, 'm'), all()));
    // What rank 0 can know only from the other ranks, over MPI.
    assert.match(out, new RegExp(`^gathered ${escape(addresses.join(','))}$`, 'm'), all());
    const sum = addresses.reduce((n, a) => n + Number(a.split('.')[3]), 0);
    assert.match(out, new RegExp(`^allreduce sum of the last numbers ${sum}$`, 'm'), all());
    assert.equal(readJsonFile<{ status: string }>(join(run, 'summary.json')).status, 'succeeded');
    // The run stopped every sshd: nothing is left in the hosts' namespaces.
    await waitUntil('the processes in the namespaces to end', () => lan.pids().length === 0, 10_000).catch(() =>
      assert.fail(`still running in the namespaces: ${lan.pids().join(', ')}\n${psOf(lan.pids())}`),
    );
    console.log(`      (the MPI run took ${(tookMs / 1000).toFixed(1)} s)`);
  });
});

function psOf(pids: number[]): string {
  if (!pids.length) return '';
  return spawnSync('ps', ['-o', 'pid,ppid,args', '-p', pids.join(',')], { encoding: 'utf8' }).stdout;
}
