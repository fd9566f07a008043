// Bundles the extension (vscode external) and the container runtime (plain Node 22, no vscode).
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

// The extension runs in VS Code's extension host: the Node of the oldest VS Code in engines.vscode
// (1.100: Node 20). The runtime runs in the job containers on the Node the runtime layer guarantees
// (MIN_NODE_MAJOR in src/docker/runtimeLayer.ts). test/unit/nodeVersions.test.ts keeps them in step.
const EXTENSION_TARGET = 'node20';
const RUNTIME_TARGET = 'node22';

const common = {
  bundle: true,
  platform: 'node',
  target: EXTENSION_TARGET,
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  legalComments: 'none',
  logLevel: 'info',
  // jsonc-parser's "main" is a UMD build whose require('./impl/...') calls esbuild cannot follow.
  alias: { 'jsonc-parser': './node_modules/jsonc-parser/lib/esm/main.js' },
};

/** `import('…/bundles/aws')` in the extension becomes `require('./aws.js')`: a bundle of its own, loaded on first use. */
const awsApiAsSeparateBundle = {
  name: 'aws-api-separate-bundle',
  setup(build) {
    build.onResolve({ filter: /\/bundles\/aws$/ }, () => ({ path: './aws.js', external: true }));
  },
};

/** The same for `import('…/bundles/setup')` (Set Up / Tear Down): `require('./setup.js')`. */
const setupAsSeparateBundle = {
  name: 'setup-separate-bundle',
  setup(build) {
    build.onResolve({ filter: /\/bundles\/setup$/ }, () => ({ path: './setup.js', external: true }));
  },
};

const builds = [
  {
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    external: ['vscode'],
    plugins: [awsApiAsSeparateBundle, setupAsSeparateBundle],
    // Activation time counts evaluating this bundle, as VS Code's own "code loading" time does.
    banner: { js: 'globalThis.__awsBatchLoadStart = performance.now();' },
    footer: { js: 'globalThis.__awsBatchLoadEnd = performance.now();' },
  },
  { ...common, entryPoints: ['src/bundles/aws.ts'], outfile: 'dist/aws.js' },
  { ...common, entryPoints: ['src/bundles/setup.ts'], outfile: 'dist/setup.js' },
  {
    // dockerode (with ssh2 and gRPC) on its own: loaded by Services.docker() on first use, so it
    // neither weighs on activation nor on dist/extension.js. ssh2's optional native addons stay out.
    ...common,
    entryPoints: ['src/bundles/dockerode.ts'],
    outfile: 'dist/dockerode.js',
    external: ['*.node', 'cpu-features'],
  },
  {
    ...common,
    entryPoints: ['src/runtime/main.ts'],
    outfile: 'dist/runtime.js',
    target: RUNTIME_TARGET,
    banner: { js: '#!/usr/bin/env node' },
  },
];

// Stale files (e.g. source maps of a dev build) must not end up in a package.
if (production) rmSync('dist', { recursive: true, force: true });

// The runtime's spawn helper (src/runtime/spawn/spawn.c), a static binary for each Linux
// architecture of the job images: dist/spawn-linux-x64 and dist/spawn-linux-arm64, put into the
// runtime layer as /opt/batch-runner/spawn. Where no compiler for an architecture is here, a dev
// build goes on without that file (the runtime then starts tasks through bash); a production build
// (the package) needs both.
const HELPER_SOURCE = 'src/runtime/spawn/spawn.c';
const HELPER_TARGETS = [
  { arch: 'x64', compilers: ['x86_64-linux-gnu-gcc', ...(process.arch === 'x64' ? ['gcc', 'cc'] : [])] },
  { arch: 'arm64', compilers: ['aarch64-linux-gnu-gcc', ...(process.arch === 'arm64' ? ['gcc', 'cc'] : [])] },
];

function buildSpawnHelpers() {
  mkdirSync('dist', { recursive: true });
  const missing = [];
  for (const { arch, compilers } of HELPER_TARGETS) {
    const out = `dist/spawn-linux-${arch}`;
    if (existsSync(out) && statSync(out).mtimeMs >= statSync(HELPER_SOURCE).mtimeMs) continue;
    const compiler = compilers.find((cc) => spawnSync(cc, ['--version'], { stdio: 'ignore' }).status === 0);
    if (!compiler) {
      missing.push(`${arch} (${compilers[0]})`);
      continue;
    }
    const result = spawnSync(compiler, ['-Os', '-Wall', '-static', '-s', '-o', out, HELPER_SOURCE], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (result.status !== 0) throw new Error(`${compiler} could not build ${out} from ${HELPER_SOURCE}`);
  }
  if (missing.length === 0) return;
  const message = `no C compiler for the spawn helper on ${missing.join(', ')}: tasks on those images start through bash`;
  if (production) throw new Error(`${message} (apt-get install gcc gcc-aarch64-linux-gnu)`);
  console.warn(`build: ${message}`);
}

if (watch) {
  buildSpawnHelpers();
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
  buildSpawnHelpers();
}
