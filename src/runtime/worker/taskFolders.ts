// Task folders (input.json, the output folder, the captured stdout/stderr), reused from one task
// to the next: removing a folder tree costs a few milliseconds on ext4 (rmSync's lstat, readdir and
// rmdir with its journal), emptying one a few microseconds, and for short tasks that difference is
// a good part of the time a task takes. A folder is emptied before it is handed out again; one
// that cannot be emptied is removed and not reused. Files the worker names as reusable (the task's
// stdout and stderr files) stay when they are empty: unlinking a file and creating it again for
// the next task costs about a third of a millisecond of kernel time (bench/task-throughput), a
// stat a few microseconds, and an empty file is what the next task would start with anyway.
import { mkdirSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/** What the worker already saw of a folder after its task: what give() then need not look at again. */
export interface FolderState {
  /** The output folder held nothing (the outputs were listed after the task's processes ended). */
  outputEmpty?: boolean;
  /** Reusable files read to their end and found empty. */
  empty?: readonly string[];
}

export class TaskFolders {
  private readonly free: string[] = [];
  private made = 0;

  /** `reusable`: names of files that are left in place when they are empty. */
  constructor(
    private readonly root: string,
    private readonly reusable: readonly string[] = [],
  ) {}

  /** An empty folder with an empty `output` folder inside (and, maybe, empty reusable files). */
  take(): string {
    const reused = this.free.pop();
    if (reused) return reused;
    const dir = join(this.root, `slot-${++this.made}`);
    mkdirSync(join(dir, 'output'), { recursive: true });
    return dir;
  }

  /** Back to the pool, emptied (the task's processes are gone by now); `seen` spares looking again. */
  give(dir: string, seen: FolderState = {}): void {
    try {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.name === 'output' && entry.isDirectory()) {
          if (seen.outputEmpty) continue;
          for (const inner of readdirSync(path)) rmSync(join(path, inner), { recursive: true, force: true });
        } else if (entry.isDirectory()) rmSync(path, { recursive: true, force: true });
        else if (!(entry.isFile() && this.reusable.includes(entry.name) && this.empty(path, entry.name, seen))) {
          unlinkSync(path);
        }
      }
      this.free.push(dir);
    } catch {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  private empty(path: string, name: string, seen: FolderState): boolean {
    return seen.empty?.includes(name) || statSync(path).size === 0;
  }
}
