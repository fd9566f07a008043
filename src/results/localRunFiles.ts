// RunFilesApi on disk, for local runs (Run Locally writes the same layout as S3). The ETag is the
// file's size and modification time, so a conditional read of an unchanged progress.json costs a stat.
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FetchedFile, RunFilesApi } from './runFilesApi';
import { parseRunUri } from './runUris';

const MAX_FILE_BYTES = 4 * 1024 * 1024;

function pathOf(uri: string): string {
  const parsed = parseRunUri(uri);
  if (parsed.scheme !== 'file') throw new Error(`${uri} is not a file:// URI`);
  return parsed.path;
}

const missing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

export function createLocalRunFiles(): RunFilesApi {
  return {
    async listFolders(locationUri) {
      try {
        const entries = await readdir(pathOf(locationUri), { withFileTypes: true });
        return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
      } catch (error) {
        if (missing(error)) return [];
        throw error;
      }
    },

    async read(fileUri, ifNoneMatch): Promise<FetchedFile> {
      const path = pathOf(fileUri);
      try {
        const info = await stat(path);
        const etag = `"${info.size}-${info.mtimeMs}"`;
        if (ifNoneMatch === etag) return { kind: 'notModified' };
        if (info.size > MAX_FILE_BYTES) throw new Error(`${path} is ${info.size} bytes, too large for a run file`);
        return { kind: 'found', text: await readFile(path, 'utf8'), etag };
      } catch (error) {
        if (missing(error)) return { kind: 'missing' };
        throw error;
      }
    },

    async write(fileUri, text) {
      const path = pathOf(fileUri);
      await mkdir(dirname(path), { recursive: true });
      // A reader never sees half a file: write beside it, then rename.
      const part = `${path}.${process.pid}.part`;
      await writeFile(part, text);
      await rename(part, path);
    },

    async deletePrefix(folderUri) {
      const path = pathOf(folderUri);
      let count = 0;
      const countFiles = async (dir: string): Promise<void> => {
        for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
          if (entry.isDirectory()) await countFiles(join(dir, entry.name));
          else count++;
        }
      };
      await countFiles(path);
      await rm(path, { recursive: true, force: true });
      return count;
    },
  };
}
