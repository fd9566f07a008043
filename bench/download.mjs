// npm run bench -- download
// Download Results against `aws s3 cp --recursive` (the AWS CLI v2, Debian's awscli at /usr/bin/aws)
// on the same prefix of moto's S3, in the same run: 1,000 × 64 KiB + 4 × 64 MiB objects. Each tool
// runs BENCH_ROUNDS (3) times, alternating, into a fresh folder; the fastest run of each counts, and
// the least CPU. Both copies are checked byte for byte. Prints one JSON line.
// Also measured in the same rounds: floor_s, the same signed GETs with the bodies thrown away (no
// disk, no checks), and moto's CPU seconds per run: on the stand-in the server is the bottleneck.
// Every copy stays on disk until the end (~2 GB), so that no run pays for deleting the one before.
// Client CPU seconds (user + system), since on real S3 the client's CPU is what limits a laptop:
//   client_cpu_s  this process during Download Results (process.cpuUsage() around it; nothing else
//                 runs in this process meanwhile)
//   cli_cpu_s     the CLI and every process it waited for, as wait4() reports them (GNU time's %U %S)
//   cpu_ratio     client_cpu_s / cli_cpu_s; also per object (ms) and per GB (s)
// Targets: s ≤ 1.15 × floor_s, cpu_ratio ≤ 0.3. Needs the stand-ins: npm run bench starts them.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { compileTests, logger, root, standInEndpoint } from './lib/common.mjs';
import { awsCliPeer, listenerPid, measured, motoStandIn, processCpu, timedRun } from './lib/peers.mjs';

const log = logger('download');
compileTests();
const { S3Client, PutObjectCommand, DeleteObjectsCommand } = await import('@aws-sdk/client-s3');
const { downloadPrefix } = await import(join(root, 'out/src/results/download.js'));
const { createDownloadApi } = await import(join(root, 'out/src/aws/s3Results.js'));
const { createAwsClients } = await import(join(root, 'out/src/aws/clients.js'));

const endpoint = standInEndpoint();
const peer = awsCliPeer();
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = 16; // the awsBatch.download.concurrency default
const bucket = process.env.BENCH_BUCKET ?? 'batch-runner-results';
const prefix = `bench-download/${Date.now().toString(36)}-${randomBytes(3).toString('hex')}/`;
const SMALL = Number(process.env.BENCH_SMALL_FILES ?? 1000);
const LARGE = Number(process.env.BENCH_LARGE_FILES ?? 4);
const SMALL_BYTES = 64 * 1024;
const LARGE_BYTES = 64 * 1024 * 1024;

const s3 = new S3Client({ forcePathStyle: true, maxAttempts: 4 });
const expected = new Map();

async function pool(items, width, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

async function upload() {
  const objects = [];
  for (let i = 0; i < SMALL; i++)
    objects.push({ key: `tasks/${String(i).padStart(4, '0')}/output.bin`, size: SMALL_BYTES });
  for (let i = 0; i < LARGE; i++) objects.push({ key: `large/part-${i}.bin`, size: LARGE_BYTES });
  await pool(objects, 8, async ({ key, size }) => {
    const body = randomBytes(size);
    expected.set(key, createHash('sha256').update(body).digest('hex'));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: prefix + key, Body: body }));
  });
  return objects.reduce((sum, o) => sum + o.size, 0);
}

function verify(dir) {
  const files = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk(dir);
  if (files.length !== expected.size) throw new Error(`${dir}: ${files.length} files, expected ${expected.size}`);
  for (const path of files) {
    const key = relative(dir, path).split('\\').join('/');
    const sum = createHash('sha256').update(readFileSync(path)).digest('hex');
    if (sum !== expected.get(key)) throw new Error(`${dir}: ${key} differs from the uploaded object`);
  }
}

async function ours(dir) {
  // As the Download Results command does it: a download API made from the extension's clients, and
  // a cancellable signal.
  const clients = await createAwsClients({});
  const controller = new AbortController();
  const run = await measured(async () => {
    const api = createDownloadApi(clients.s3, clients.target, CONCURRENCY);
    try {
      return await downloadPrefix({
        s3: api,
        bucket,
        prefix,
        destination: dir,
        concurrency: CONCURRENCY,
        signal: controller.signal,
        progressIntervalMs: 250,
        onProgress: () => undefined,
      });
    } finally {
      api.destroy();
    }
  });
  clients.destroy();
  const summary = run.value;
  if (summary.failed.length || summary.downloaded !== expected.size)
    throw new Error(`ours: ${summary.downloaded} downloaded, failed ${JSON.stringify(summary.failed.slice(0, 3))}`);
  return run;
}

// The server's floor, for reading the ratio: the same signed GETs with the bodies thrown away (no
// disk, no checks). moto serves requests one at a time under Python's GIL, so no client goes faster.
async function floor() {
  const clients = await createAwsClients({});
  const run = await measured(async () => {
    const api = createDownloadApi(clients.s3, clients.target, CONCURRENCY);
    const objects = [];
    for (let token; ;) {
      const page = await api.listObjects(bucket, prefix, token);
      objects.push(...page.objects);
      if (!(token = page.nextToken)) break;
    }
    await pool(objects, CONCURRENCY, async (o) => {
      const { body } = await api.getObject(bucket, o.key, undefined);
      for await (const chunk of body) void chunk;
    });
    api.destroy();
  });
  clients.destroy();
  return run;
}

// moto's CPU seconds per run, whoever started it: the process listening on the endpoint's port.
const motoPid = listenerPid(Number(new URL(endpoint).port || 80));
const motoCpu = () => (motoPid === undefined ? undefined : processCpu(motoPid));

function cli(dir) {
  return timedRun(peer.path, [
    '--endpoint-url',
    endpoint,
    's3',
    'cp',
    '--recursive',
    '--only-show-errors',
    `s3://${bucket}/${prefix}`,
    dir,
  ]);
}

// Both tools write where Download Results writes by default: a folder inside the workspace (here the
// repository's .work/). BENCH_DIR overrides it.
const base = process.env.BENCH_DIR ?? join(root, '.work');
mkdirSync(base, { recursive: true });
const work = mkdtempSync(join(base, 'bench-download-'));
try {
  log(`uploading ${SMALL} × 64 KiB + ${LARGE} × 64 MiB to s3://${bucket}/${prefix}`);
  const bytes = await upload();
  const times = { ours: [], cli: [], floor: [] };
  const cpu = { ours: [], cli: [], floor: [] };
  const motoS = { ours: [], cli: [], floor: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const tool of ['ours', 'cli', 'floor']) {
      const dir = join(work, `${tool}-${round}`);
      const moto0 = motoCpu();
      const run = tool === 'ours' ? await ours(dir) : tool === 'cli' ? await cli(dir) : await floor();
      const moto1 = motoCpu();
      if (moto0 !== undefined && moto1 !== undefined) motoS[tool].push(moto1 - moto0);
      if (tool !== 'floor') verify(dir);
      // Kept until the end: on ext4, creating files soon after deleting many costs more CPU (the
      // allocator skips inodes freed in the last minute), and one tool would pay for the other's
      // clean-up.
      times[tool].push(run.s);
      cpu[tool].push(run.cpu_s);
      log(`${tool} round ${round + 1}: ${run.s.toFixed(2)} s, client CPU ${run.cpu_s.toFixed(2)} s`);
    }
  }
  const r3 = (value) => Number(value.toFixed(3));
  const round3 = (values) => values.map(r3);
  const s = Math.min(...times.ours);
  const cliS = Math.min(...times.cli);
  const floorS = Math.min(...times.floor);
  const clientCpu = Math.min(...cpu.ours);
  const cliCpu = Math.min(...cpu.cli);
  const files = expected.size;
  const gb = bytes / 1e9;
  console.log(
    JSON.stringify({
      bench: 'download',
      peer,
      stand_in: { ...motoStandIn(endpoint), endpoint },
      files,
      bytes,
      s: r3(s),
      cli_s: r3(cliS),
      floor_s: r3(floorS),
      s_over_floor: r3(s / floorS),
      ratio: r3(s / cliS),
      mb_per_s: Number((bytes / 1e6 / s).toFixed(1)),
      client_cpu_s: r3(clientCpu),
      cli_cpu_s: r3(cliCpu),
      cpu_ratio: r3(clientCpu / cliCpu),
      client_cpu_ms_per_object: r3((clientCpu / files) * 1000),
      cli_cpu_ms_per_object: r3((cliCpu / files) * 1000),
      client_cpu_s_per_gb: r3(clientCpu / gb),
      cli_cpu_s_per_gb: r3(cliCpu / gb),
      floor_cpu_s: r3(Math.min(...cpu.floor)),
      runs_s: round3(times.ours),
      cli_runs_s: round3(times.cli),
      floor_runs_s: round3(times.floor),
      client_cpu_runs_s: round3(cpu.ours),
      cli_cpu_runs_s: round3(cpu.cli),
      moto_cpu_s: { ours: round3(motoS.ours), cli: round3(motoS.cli), floor: round3(motoS.floor) },
      concurrency: CONCURRENCY,
      targets: { s_over_floor: 1.15, cpu_ratio: 0.3 },
    }),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
  const keys = [...expected.keys()].map((key) => ({ Key: prefix + key }));
  for (let i = 0; i < keys.length; i += 1000)
    await s3
      .send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.slice(i, i + 1000) } }))
      .catch(() => undefined);
  s3.destroy();
}
