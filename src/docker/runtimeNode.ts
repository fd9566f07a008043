// The Node.js the runtime runs on in the job containers. A module of its own (no imports), so the
// settings can name the default image without pulling the runtime layer's code into activation.

/** scripts/build.mjs bundles dist/runtime.js for this major; Node.js 20 reached its end of life in April 2026. */
export const MIN_NODE_MAJOR = 22;

/** The awsBatch.runtimeNodeImage default (also in package.json; test/unit/nodeVersions.test.ts checks both). */
export const DEFAULT_NODE_IMAGE = `node:${MIN_NODE_MAJOR}-bookworm-slim`;
