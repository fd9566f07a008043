// What the benchmarks compare against and run on, named with their versions for the JSON line, and
// the CPU seconds of a peer's run. Used by the benchmarks; scripts/bench.sh installs the peers.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The AWS CLI v2 a benchmark measures against: AWS_CLI_V2, else Debian's awscli at /usr/bin/aws. */
export const AWS_CLI = process.env.AWS_CLI_V2 ?? '/usr/bin/aws';

/** First line a command prints for its version, or undefined if it does not run. */
function versionLine(command, args = ['--version']) {
  try {
    const out = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return out.split('\n')[0].trim() || undefined;
  } catch {
    return undefined;
  }
}

/** { name: 'aws-cli', version: '2.9.19', path } — throws if it is missing or not v2. */
export function awsCliPeer(path = AWS_CLI) {
  const line = versionLine(path);
  const version = /^aws-cli\/(\S+)/.exec(line ?? '')?.[1];
  if (!version) throw new Error(`${path} is not the AWS CLI (${line ?? 'does not run'}): npm run bench installs it`);
  if (!version.startsWith('2.')) throw new Error(`${path} is the AWS CLI ${version}, not v2`);
  return { name: 'aws-cli', version, path };
}

/** { name: 'GNU parallel', version: '20221122', path } — throws if it is missing. */
export function gnuParallelPeer(path = process.env.GNU_PARALLEL ?? '/usr/bin/parallel') {
  const version = /GNU parallel (\S+)/.exec(versionLine(path) ?? '')?.[1];
  if (!version) throw new Error(`${path} is not GNU parallel: npm run bench installs it`);
  return { name: 'GNU parallel', version, path };
}

/** { name: 'docker', version } of the docker CLI, for benchmarks that time it. */
export function dockerPeer() {
  const version = /version ([^,\s]+)/.exec(versionLine('docker') ?? '')?.[1];
  if (!version) throw new Error('docker does not run');
  return { name: 'docker', version, path: 'docker' };
}

/**
 * { name: 'moto', version } of the moto server answering at endpoint (asked of the Python running
 * it, found by its listening port), else of MOTO_PYTHON or python3.
 */
export function motoStandIn(endpoint) {
  const pid = endpoint ? listenerPid(Number(new URL(endpoint).port || 80)) : undefined;
  const pythons = [];
  if (pid !== undefined) {
    try {
      pythons.push(readlinkSync(`/proc/${pid}/exe`));
    } catch {
      // not ours to read
    }
  }
  pythons.push(process.env.MOTO_PYTHON ?? 'python3');
  for (const python of pythons) {
    const version = versionLine(python, ['-c', 'import moto; print(moto.__version__)']);
    if (version) return { name: 'moto', version };
  }
  return { name: 'moto', version: 'unknown' };
}

/** { name: 'code-server', version } of the extension host (as scripts/install-code-server.sh installs it). */
export function codeServerHost(root) {
  const prefix = process.env.CODE_SERVER_DIR ?? join(root, '.work', 'code-server');
  try {
    const { version } = JSON.parse(readFileSync(join(prefix, 'node_modules/code-server/package.json'), 'utf8'));
    return { name: 'code-server', version };
  } catch {
    return { name: 'code-server', version: 'unknown' };
  }
}

/**
 * Runs a command under GNU time (/usr/bin/time): wall seconds, and the CPU seconds (user + system)
 * of the command and every descendant it waited for, as wait4() reports them to time. Not
 * process.resourceUsage() (this process only) nor process.cpuUsage(). 10 ms resolution.
 */
export function timedRun(command, args, { stdio = ['ignore', 'ignore', 'inherit'], env } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-time-'));
  const out = join(dir, 'time');
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%U %S', '-o', out, '--', command, ...args], { stdio, env });
    child.on('error', (error) => {
      rmSync(dir, { recursive: true, force: true });
      reject(error);
    });
    child.on('exit', (code) => {
      const s = (performance.now() - t0) / 1000;
      let text = '';
      try {
        text = readFileSync(out, 'utf8');
      } catch {
        // time did not write it: reported below
      }
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0) return reject(new Error(`${command} exited ${code}: ${text.trim()}`));
      const [user, system] = text.trim().split('\n').at(-1).split(/\s+/).map(Number);
      if (!Number.isFinite(user) || !Number.isFinite(system))
        return reject(new Error(`no times from GNU time: ${text}`));
      resolve({ s, cpu_s: user + system, user_s: user, system_s: system });
    });
  });
}

/** This process's CPU seconds (user + system) spent in fn, and its wall seconds. */
export async function measured(fn) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { value, s, cpu_s: (cpu.user + cpu.system) / 1e6 };
}

/**
 * The PID of the process listening on 127.0.0.1:port (e.g. the moto stand-in), found through
 * /proc/net/tcp and the sockets in /proc/<pid>/fd; undefined if none can be seen.
 */
export function listenerPid(port) {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let inode;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines;
    try {
      lines = readFileSync(file, 'utf8').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      if (f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A') inode = f[9];
    }
    if (inode) break;
  }
  if (!inode) return undefined;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let fds;
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) return Number(pid);
      } catch {
        // gone meanwhile
      }
    }
  }
  return undefined;
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; undefined if gone. */
export function processCpu(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return undefined;
  }
}
