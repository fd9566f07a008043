// Bundles the extension (vscode external) and the container runtime (plain Node 20, no vscode).
import * as esbuild from 'esbuild';
import { rmSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  legalComments: 'none',
  logLevel: 'info',
};

const builds = [
  {
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    external: ['vscode'],
    // jsonc-parser's "main" is a UMD build whose require('./impl/...') calls esbuild cannot follow.
    alias: { 'jsonc-parser': './node_modules/jsonc-parser/lib/esm/main.js' },
    // Activation time includes evaluating this bundle, so the clock starts at the bundle's first line.
    banner: { js: 'globalThis.__awsBatchLoadStart = performance.now();' },
  },
  {
    // dockerode (with ssh2 and gRPC) on its own: loaded by Services.docker() on first use, so it
    // neither weighs on activation nor on dist/extension.js. ssh2's optional native addons stay out.
    ...common,
    entryPoints: ['src/docker/dockerodeBundle.ts'],
    outfile: 'dist/dockerode.js',
    external: ['*.node', 'cpu-features'],
  },
  {
    ...common,
    entryPoints: ['src/runtime/main.ts'],
    outfile: 'dist/runtime.js',
    banner: { js: '#!/usr/bin/env node' },
  },
];

// Stale files (e.g. source maps of a dev build) must not end up in a package.
if (production) rmSync('dist', { recursive: true, force: true });

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
