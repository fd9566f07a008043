// `runtime.js probe`: what Submit asks the runtime in a container of the user's image before any job
// runs it (registryRuntimeLayer.ts): that it starts there at all, and which Node.js the image has on
// its PATH (as the job would see it, through the image's ENTRYPOINT), whose major decides whether
// the job runs the runtime on the image's own node or on the Node binary the layer adds. One
// container answers both.
import { spawnSync } from 'node:child_process';
import { VERSION } from './version';

export const PROBE_PATH_NODE = 'node on PATH:';

export function probeReport(): string {
  const own = spawnSync('node', ['-e', 'process.stdout.write(process.versions.node)'], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  const version = own.status === 0 && /^\d+\.\d+\.\d+$/.test(own.stdout.trim()) ? own.stdout.trim() : 'none';
  return `aws-batch-runner runtime ${VERSION}\n${PROBE_PATH_NODE} ${version}\n`;
}
