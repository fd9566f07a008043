// npm run bench -- activation
// Activation time measured inside the real extension host (code-server), over several fresh hosts,
// plus the size of the production bundle and of the .vsix. Prints one JSON line.
// Targets: activation under 50 ms, bundle under 1.5 MB, VSIX under 2 MB. No peer: the JSON names the
// extension host (code-server) and its version.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeServerHost } from './lib/peers.mjs';

const root = new URL('..', import.meta.url).pathname;
const runs = Number(process.env.BENCH_RUNS || 3);
const quiet = { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] };

execFileSync('npm', ['run', '--silent', 'package'], quiet);
execFileSync('npm', ['run', '--silent', 'compile-tests'], quiet);
execFileSync('bash', ['scripts/install-code-server.sh'], quiet);

const samples = [];
const dir = mkdtempSync(join(tmpdir(), 'bench-activation-'));
try {
  for (let i = 0; i < runs; i++) {
    const out = join(dir, `run-${i}.json`);
    const run = spawnSync(
      'node',
      ['scripts/vscode-tests.mjs', '--only', 'host', '--tests', 'out/bench/activationProbe.js'],
      {
        cwd: root,
        env: { ...process.env, BENCH_OUT: out },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    if (run.status !== 0) throw new Error(`extension host run ${i + 1} failed (exit ${run.status})`);
    samples.push(JSON.parse(readFileSync(out, 'utf8')).activationMs);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
samples.sort((a, b) => a - b);
const median = samples[Math.floor(samples.length / 2)];
console.log(
  JSON.stringify({
    bench: 'activation',
    peer: null,
    host: codeServerHost(root),
    activation_ms: Number(median.toFixed(1)),
    activation_samples_ms: samples.map((ms) => Number(ms.toFixed(1))),
    extension_bundle_bytes: statSync(join(root, 'dist/extension.js')).size,
    vsix_bytes: statSync(join(root, 'aws-batch-runner.vsix')).size,
    targets: { activation_ms: 50, extension_bundle_bytes: 1.5e6, vsix_bytes: 2e6 },
  }),
);
