// npm run bench -- download
// Download Results against `aws s3 cp --recursive` (AWS CLI v2) on the same prefix of moto's S3, in
// the same run: 1,000 × 64 KiB + 4 × 64 MiB objects. Each tool runs twice, alternating, into a fresh
// folder; the faster run of each counts. Both copies are checked byte for byte. Prints one JSON line.
// Also measured: floor_s, the same signed GETs with the bodies thrown away, and moto's CPU seconds per
// run; they show how much of the time is the server's.
// Target: ratio (ours / CLI) ≤ 0.5. Needs the stand-ins (npm run backend -- up) and their env.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { compileTests, logger, root, standInEndpoint } from './lib/common.mjs';

const log = logger('download');
compileTests();
const { S3Client, PutObjectCommand, DeleteObjectsCommand } = await import('@aws-sdk/client-s3');
const { downloadPrefix } = await import(join(root, 'out/src/results/download.js'));
const { createDownloadApi } = await import(join(root, 'out/src/aws/s3Results.js'));
const { createAwsClients } = await import(join(root, 'out/src/aws/clients.js'));

const endpoint = standInEndpoint();
const CLI = process.env.AWS_CLI_V2 ?? '/usr/bin/aws';
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
  // As the Download Results command does it: a download API made from the extension's clients.
  const clients = await createAwsClients({});
  const t0 = performance.now();
  const api = createDownloadApi(clients.s3, clients.target, 16);
  const summary = await downloadPrefix({ s3: api, bucket, prefix, destination: dir, concurrency: 16 });
  const s = (performance.now() - t0) / 1000;
  api.destroy();
  clients.destroy();
  if (summary.failed.length || summary.downloaded !== expected.size)
    throw new Error(`ours: ${summary.downloaded} downloaded, failed ${JSON.stringify(summary.failed.slice(0, 3))}`);
  return s;
}

// The server's floor, for reading the ratio: the same signed GETs with the bodies thrown away (no
// disk, no checks). moto serves requests one at a time under Python's GIL, so no client goes faster.
async function floor() {
  const clients = await createAwsClients({});
  const api = createDownloadApi(clients.s3, clients.target, 16);
  const t0 = performance.now();
  const objects = [];
  for (let token; ;) {
    const page = await api.listObjects(bucket, prefix, token);
    objects.push(...page.objects);
    if (!(token = page.nextToken)) break;
  }
  await pool(objects, 16, async (o) => {
    const { body } = await api.getObject(bucket, o.key, undefined);
    for await (const chunk of body) void chunk;
  });
  const s = (performance.now() - t0) / 1000;
  api.destroy();
  clients.destroy();
  return s;
}

/** CPU seconds moto has used so far, if backend.sh started it (else undefined). */
function motoCpu() {
  try {
    const pid = readFileSync(join(root, '.work/backend/moto.pid'), 'utf8').trim();
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

function cli(dir) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(
      CLI,
      ['--endpoint-url', endpoint, 's3', 'cp', '--recursive', '--only-show-errors', `s3://${bucket}/${prefix}`, dir],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve((performance.now() - t0) / 1000) : reject(new Error(`aws exited ${code}`)),
    );
  });
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
  const motoS = { ours: [], cli: [], floor: [] };
  for (let round = 0; round < 2; round++) {
    for (const tool of ['ours', 'cli', 'floor']) {
      const dir = join(work, `${tool}-${round}`);
      const cpu0 = motoCpu();
      const s = tool === 'ours' ? await ours(dir) : tool === 'cli' ? await cli(dir) : await floor();
      if (cpu0 !== undefined) motoS[tool].push(motoCpu() - cpu0);
      if (tool !== 'floor') verify(dir);
      rmSync(dir, { recursive: true, force: true });
      times[tool].push(s);
      log(`${tool} round ${round + 1}: ${s.toFixed(2)} s`);
    }
  }
  const s = Math.min(...times.ours);
  const cliS = Math.min(...times.cli);
  const floorS = Math.min(...times.floor);
  const round3 = (values) => values.map((t) => Number(t.toFixed(3)));
  console.log(
    JSON.stringify({
      bench: 'download',
      files: expected.size,
      bytes,
      s: Number(s.toFixed(3)),
      cli_s: Number(cliS.toFixed(3)),
      ratio: Number((s / cliS).toFixed(3)),
      mb_per_s: Number((bytes / 1e6 / s).toFixed(1)),
      runs_s: round3(times.ours),
      cli_runs_s: round3(times.cli),
      floor_s: Number(floorS.toFixed(3)),
      floor_ratio: Number((floorS / cliS).toFixed(3)),
      moto_cpu_s: { ours: round3(motoS.ours), cli: round3(motoS.cli), floor: round3(motoS.floor) },
      concurrency: 16,
      target_ratio: 0.5,
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
