// Download Results of a local run: its folder has the S3 layout already, so "download" is a copy.
// Same rules as an S3 download: the run's secret stays behind, files already there with the same
// size are skipped, each file is written under a temporary name and renamed. No vscode import.
import { copyFile, mkdir, readdir, rename, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export interface CopySummary {
  copied: number;
  skipped: number;
  bytes: number;
}

export async function copyRunFolder(
  from: string,
  to: string,
  exclude: (relativePath: string) => boolean,
): Promise<CopySummary> {
  const summary: CopySummary = { copied: 0, skipped: 0, bytes: 0 };
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const source = join(dir, entry.name);
      const rel = relative(from, source).split(sep).join('/');
      if (exclude(rel)) continue;
      if (entry.isDirectory()) {
        await walk(source);
        continue;
      }
      if (!entry.isFile()) continue;
      const target = join(to, rel);
      const size = (await stat(source)).size;
      const existing = await stat(target).catch(() => undefined);
      if (existing?.isFile() && existing.size === size) {
        summary.skipped++;
        continue;
      }
      await mkdir(join(target, '..'), { recursive: true });
      const part = `${target}.part`;
      await copyFile(source, part);
      await rename(part, target);
      summary.copied++;
      summary.bytes += size;
    }
  };
  await walk(from);
  return summary;
}
