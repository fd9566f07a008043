// The layers of src/, enforced (npm run check-layers, part of the unit tier's static checks).
// Imports point down only. From the bottom:
//   runtime   the container runtime: imports nothing else of src/ (it is bundled alone)
//   shared    the kernel: errors, run domain, clock, progress sinks
//   config    aws-batch.json            results   S3 download         docker   build and push
//   aws       SDK clients and the BatchApi
//   logs      log following, full logs, job lookup
//   submit    the Submit pipeline
//   models    pure tree-view models (state, polling, diffing)
//   bundles   entries of the lazily loaded bundles (dist/aws.js, dist/dockerode.js)
//   ui        the VS Code core every view and command stands on (services, ids, settings, reportError)
//   views     tree views, status bar, document providers (thin)
//   commands  one file per command
//   extension.ts  wiring only
// Everything below ui is vscode-free. Type-only imports count: no cycle between folders, not even
// one made of types. test/unit/layers.test.ts shows that a forbidden import fails this check.
const LAYERS = [
  'runtime',
  'shared',
  'config',
  'results',
  'docker',
  'aws',
  'logs',
  'submit',
  'models',
  'bundles',
  'ui',
  'views',
  'commands',
];
const PURE = LAYERS.slice(0, LAYERS.indexOf('bundles') + 1);

const layerRules = LAYERS.map((layer, i) => ({
  name: `layer-${layer}`,
  comment: `src/${layer} may import only ${i === 0 ? 'itself' : `src/{${LAYERS.slice(0, i + 1).join(',')}}`}`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: '^src/', pathNot: `^src/(${LAYERS.slice(0, i + 1).join('|')})/` },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-vscode-below-ui',
      comment: `src/{${PURE.join(',')}} run and are tested without VS Code`,
      severity: 'error',
      from: { path: `^src/(${PURE.join('|')})/` },
      to: { path: '^vscode$' },
    },
    {
      name: 'nothing-imports-extension',
      comment: 'src/extension.ts is the top: only the tests may import it',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/extension\\.ts$' },
    },
    {
      name: 'no-stray-files',
      comment: 'every source file lives in a layer folder (src/extension.ts excepted)',
      severity: 'error',
      from: { path: '^src/[^/]+\\.ts$', pathNot: '^src/extension\\.ts$' },
      to: {},
    },
    {
      name: 'no-circular',
      comment: 'no import cycle, not even type-only',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.json$' },
  },
};
