// After a task succeeds its worker uploads TASK_OUTPUT_DIR to tasks/<i>/ and reads output.json,
// which the manager gathers into results.jsonl.
import { lstatSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { INLINE_OUTPUT_BYTES } from '../protocol/messages';
import { KEYS, type RunStore } from '../store/store';

export interface CollectedOutput {
  /** output.json as compact JSON text, when small enough to travel in the result message. */
  output?: string;
  outputInStore?: boolean;
  files: number;
  /** Everything in the folder, files or not (a folder, a link): 0 when it was empty. */
  entries: number;
}

const UPLOAD_CONCURRENCY = 4;

export async function collectOutputs(store: RunStore, index: number, dir: string): Promise<CollectedOutput> {
  const { files, entries } = listFiles(dir);
  const collected: CollectedOutput = { files: files.length, entries };
  if (files.includes('output.json')) {
    const path = join(dir, 'output.json');
    const text = await readFile(path, 'utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new Error(`output.json is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
    const compact = JSON.stringify(parsed);
    if (Buffer.byteLength(compact) <= INLINE_OUTPUT_BYTES) collected.output = compact;
    else collected.outputInStore = true;
  }
  const prefix = KEYS.taskPrefix(index);
  let next = 0;
  const uploader = async () => {
    while (next < files.length) {
      const file = files[next++];
      await store.upload(prefix + file, join(dir, ...file.split('/')));
    }
  };
  await Promise.all(Array.from({ length: Math.min(UPLOAD_CONCURRENCY, files.length) }, uploader));
  return collected;
}

/**
 * Regular files below `dir` as `/`-separated relative paths. Symbolic links are not followed.
 * Synchronous: most output folders hold a file or none, and a walk through the thread pool would
 * cost more than the task of `true` it follows.
 */
function listFiles(dir: string): { files: string[]; entries: number } {
  const found: string[] = [];
  let entries = 0;
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      entries++;
      const full = join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && lstatSync(full).isFile()) found.push(relative(dir, full).split(sep).join('/'));
    }
  };
  walk(dir);
  return { files: found.sort(), entries };
}
