// Shared by the build integration tests: a build context from a few files, and cleanup of the
// images a test made.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { listBuildContext, packBuildContext } from '../../src/docker/context';
import { writeFiles } from './submitFixture';

export async function contextOf(files: Record<string, string>): Promise<{
  dir: string;
  context: ReturnType<typeof packBuildContext>;
  dockerfile: string;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'build-ctx-'));
  writeFiles(dir, files);
  const listed = await listBuildContext(dir, join(dir, 'Dockerfile'), []);
  return { dir, context: packBuildContext(listed), dockerfile: listed.dockerfile };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export async function removeImages(docker: Docker, refs: string[]): Promise<void> {
  for (const ref of refs)
    await docker
      .getImage(ref)
      .remove({ force: true })
      .catch(() => undefined);
}

/**
 * Runs `cmd` in `image` as AWS Batch would (the command as CMD, the image's entry point untouched),
 * with no network, and returns what it printed; the container is removed.
 */
export async function containerOutput(
  docker: Docker,
  image: string,
  cmd: string[],
  options: {
    tty?: boolean;
    network?: boolean;
    /** Read-only bind mounts, as Run Locally gives its containers the runtime (runtimeMounts.ts). */
    mounts?: { source: string; target: string }[];
    /** [''] drops the image's ENTRYPOINT. */
    entrypoint?: string[];
  } = {},
): Promise<string> {
  const container = await docker.createContainer({
    Image: image,
    ...(options.entrypoint ? { Entrypoint: options.entrypoint } : {}),
    Cmd: cmd,
    Tty: options.tty ?? false,
    HostConfig: {
      ...(options.network ? {} : { NetworkMode: 'none' }),
      Mounts: (options.mounts ?? []).map((m) => ({ Type: 'bind', Source: m.source, Target: m.target, ReadOnly: true })),
    },
  });
  try {
    await container.start();
    await container.wait();
    return ((await container.logs({ stdout: true, stderr: true })) as unknown as Buffer).toString('utf8');
  } finally {
    await container.remove({ force: true });
  }
}
