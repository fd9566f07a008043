// The build context: the context folder as a tar stream, without what .dockerignore excludes. The
// patterns are matched by @balena/dockerignore (a port of Docker's own matcher); this file only walks
// the folder the way the Docker CLI does: an excluded folder is skipped unless an exception ("!")
// pattern may re-include something inside it, and the Dockerfile and .dockerignore are always sent.
import ignore from '@balena/dockerignore';
import { createReadStream } from 'node:fs';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pack } from 'tar-stream';

export interface ContextEntry {
  /** Path inside the context, with "/" separators. */
  name: string;
  /** Absolute path on disk. */
  source: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  size: number;
  mtime: Date;
  linkname?: string;
}

export interface BuildContext {
  entries: ContextEntry[];
  /** Name of the Dockerfile inside the context (the build's "dockerfile" parameter). */
  dockerfile: string;
  /** Set when the Dockerfile lives outside the context folder and is added under a generated name. */
  externalDockerfile?: { name: string; content: Buffer };
  files: number;
  bytes: number;
  /** Entries left out because .dockerignore matched them (folders count once). */
  excluded: number;
}

const DOCKERIGNORE = '.dockerignore';

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/** The .dockerignore patterns of a context folder (none when the file is absent). */
export async function readDockerignore(contextDir: string): Promise<string> {
  return readFile(join(contextDir, DOCKERIGNORE), 'utf8').catch(() => '');
}

/**
 * Lists what `docker build` would send for this context and Dockerfile.
 * @param dockerfilePath absolute path of the Dockerfile (inside or outside the context)
 * @param alwaysExcluded paths inside the context ("/" separators) never sent, whatever .dockerignore
 *   says: the extension's own folder (.batch-runner, with Run Locally's run folders) is not the image's.
 */
export async function listBuildContext(
  contextDir: string,
  dockerfilePath: string,
  alwaysExcluded: string[] = [],
): Promise<BuildContext> {
  const patterns = await readDockerignore(contextDir);
  const matcher = ignore().add(patterns);
  const hasExceptions = patterns.split(/\r?\n/).some((line) => line.trim().startsWith('!'));
  const dockerfileRel = relative(contextDir, dockerfilePath);
  const inside = dockerfileRel !== '' && !dockerfileRel.startsWith('..') && !isAbsolute(dockerfileRel);
  const alwaysSent = new Set([DOCKERIGNORE, ...(inside ? [toPosix(dockerfileRel)] : [])]);

  const entries: ContextEntry[] = [];
  let excluded = 0;
  const walk = async (dir: string): Promise<void> => {
    const children = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const child of children) {
      const source = join(dir, child.name);
      const name = toPosix(relative(contextDir, source));
      if (alwaysExcluded.includes(name)) continue;
      const info = await lstat(source);
      const skip = !alwaysSent.has(name) && matcher.ignores(name);
      if (info.isDirectory()) {
        if (skip) {
          excluded++;
          // Like the Docker CLI: an exception pattern may re-include files below an excluded folder.
          if (hasExceptions) await walk(source);
          continue;
        }
        entries.push({ name, source, type: 'directory', mode: info.mode & 0o7777, size: 0, mtime: info.mtime });
        await walk(source);
      } else if (skip) {
        excluded++;
      } else if (info.isSymbolicLink()) {
        entries.push({
          name,
          source,
          type: 'symlink',
          mode: info.mode & 0o7777,
          size: 0,
          mtime: info.mtime,
          linkname: await readlink(source),
        });
      } else if (info.isFile()) {
        entries.push({ name, source, type: 'file', mode: info.mode & 0o7777, size: info.size, mtime: info.mtime });
      }
      // Sockets, FIFOs and devices are not sent, as with the Docker CLI.
    }
  };
  await walk(contextDir);

  let dockerfile = toPosix(dockerfileRel);
  let externalDockerfile: BuildContext['externalDockerfile'];
  if (!inside) {
    dockerfile = '.batch-runner.Dockerfile';
    externalDockerfile = { name: dockerfile, content: await readFile(dockerfilePath) };
  }
  const files = entries.filter((entry) => entry.type === 'file');
  return {
    entries,
    dockerfile,
    externalDockerfile,
    files: files.length + (externalDockerfile ? 1 : 0),
    bytes: files.reduce((sum, entry) => sum + entry.size, 0) + (externalDockerfile?.content.length ?? 0),
    excluded,
  };
}

/**
 * The mode an entry gets in the tar. Windows has no executable bit (its modes read 0o666), so, as
 * the docker CLI does there, files and folders get rwxr-xr-x: scripts a Dockerfile COPYs and RUNs
 * stay executable.
 */
export function tarMode(
  entry: Pick<ContextEntry, 'mode' | 'type'>,
  platform: NodeJS.Platform = process.platform,
): number {
  if (platform === 'win32' && entry.type !== 'symlink') return 0o755;
  return entry.mode & 0o7777;
}

/** The context as a tar stream; files are read as the stream is consumed. */
export function packBuildContext(context: BuildContext, platform: NodeJS.Platform = process.platform): Readable {
  const tar = pack();
  const write = async (): Promise<void> => {
    for (const entry of context.entries) {
      const header = { name: entry.name, mode: tarMode(entry, platform), mtime: entry.mtime, uid: 0, gid: 0 };
      if (entry.type === 'directory') {
        tar.entry({ ...header, type: 'directory' });
      } else if (entry.type === 'symlink') {
        tar.entry({ ...header, type: 'symlink', linkname: entry.linkname });
      } else {
        await new Promise<void>((resolve, reject) => {
          const sink = tar.entry({ ...header, type: 'file', size: entry.size }, (error) =>
            error ? reject(error) : resolve(),
          );
          const source = createReadStream(entry.source);
          source.on('error', (error) => {
            sink.destroy(error);
            reject(error);
          });
          source.pipe(sink);
        });
      }
    }
    if (context.externalDockerfile) {
      const { name, content } = context.externalDockerfile;
      tar.entry({ name, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0 }, content);
    }
    tar.finalize();
  };
  write().catch((error: unknown) => tar.destroy(error as Error));
  return tar as unknown as Readable;
}
