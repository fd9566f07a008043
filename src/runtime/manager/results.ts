// Task outputs on their way to results.jsonl. Each output.json text is appended to a spool file as
// it arrives; memory holds only where each one is (two numbers per task). At the end the spool is
// read back in task order into results.jsonl, which goes to the store streamed (a small one in one
// write), so a million outputs never sit in memory together.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { mkdtemp, open, rm, stat, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';

/** output.json was too large for its result message; it is read from the store at the end. */
const IN_STORE = -2;
const NONE = -1;
/** results.jsonl up to this size is written in one piece; larger ones are uploaded from a file. */
const WRITE_AT_ONCE_BYTES = 8 * 1024 * 1024;

export class ResultSpool {
  /** Byte offset of each position's output in the spool, or NONE / IN_STORE. */
  private readonly offsets: Float64Array;
  private readonly lengths: Uint32Array;
  private dir?: string;
  private out?: WriteStream;
  private size = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  count = 0;

  constructor(readonly total: number) {
    this.offsets = new Float64Array(total).fill(NONE);
    this.lengths = new Uint32Array(total);
  }

  /** The output of the task at `position` (compact JSON text), or 'store' when it is in the store. */
  add(position: number, output: string | 'store'): void {
    if (this.offsets[position] !== NONE) return;
    this.count++;
    if (output === 'store') {
      this.offsets[position] = IN_STORE;
      return;
    }
    const bytes = Buffer.from(output, 'utf8');
    this.offsets[position] = this.size;
    this.lengths[position] = bytes.length;
    this.size += bytes.length;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= 256 * 1024) this.drain();
  }

  private drain(): void {
    if (this.pending.length === 0) return;
    if (!this.out) {
      // Synchronously made, so that what is added next lands in order behind it.
      const dir = join(
        tmpdir(),
        `batch-runner-results-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
      );
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.dir = dir;
      this.out = createWriteStream(join(dir, 'spool'));
    }
    this.out.write(Buffer.concat(this.pending, this.pendingBytes));
    this.pending = [];
    this.pendingBytes = 0;
  }

  /**
   * Writes results.jsonl: `write` for a small file, `upload` (from a local file) for a large one.
   * `line(position)` gives the task index; `stored(index)` reads an output kept in the store.
   */
  async finish(
    index: (position: number) => number,
    stored: (index: number) => Promise<string | undefined>,
    write: (data: Buffer) => Promise<void>,
    upload: (file: string) => Promise<void>,
    log: (line: string) => void,
  ): Promise<void> {
    let spool: Awaited<ReturnType<typeof open>> | undefined;
    if (this.out || this.pending.length) {
      this.drain();
      this.out!.end();
      await once(this.out!, 'close');
      spool = await open(join(this.dir!, 'spool'), 'r');
    }
    const outDir = this.dir ?? (await mkdtemp(join(tmpdir(), 'batch-runner-results-')));
    this.dir = outDir;
    const file = join(outDir, 'results.jsonl');
    const target = createWriteStream(file);
    let chunk: string[] = [];
    let chunkBytes = 0;
    const flush = async () => {
      if (chunk.length === 0) return;
      if (!target.write(chunk.join(''))) await once(target, 'drain');
      chunk = [];
      chunkBytes = 0;
    };
    try {
      // Outputs arrive nearly in task order, so the spool is read through a window of 4 MiB.
      const window = Buffer.allocUnsafe(4 << 20);
      let windowStart = 0;
      let windowBytes = 0;
      const readOutput = async (offset: number, length: number): Promise<string> => {
        if (length > window.length) {
          const big = Buffer.allocUnsafe(length);
          await spool!.read(big, 0, length, offset);
          return big.toString('utf8');
        }
        if (offset < windowStart || offset + length > windowStart + windowBytes) {
          windowStart = offset;
          windowBytes = (await spool!.read(window, 0, window.length, offset)).bytesRead;
        }
        return window.toString('utf8', offset - windowStart, offset - windowStart + length);
      };
      for (let position = 0; position < this.total; position++) {
        const offset = this.offsets[position];
        if (offset === NONE) continue;
        const taskIndex = index(position);
        let text: string | undefined;
        if (offset === IN_STORE) text = await stored(taskIndex);
        else text = await readOutput(offset, this.lengths[position]);
        if (text === undefined) {
          log(`task ${taskIndex}: its output.json could not be read; it is left out of results.jsonl`);
          continue;
        }
        const line = `{"index":${taskIndex},"output":${text}}\n`;
        chunk.push(line);
        chunkBytes += line.length;
        if (chunkBytes >= 1 << 20) await flush();
      }
      await flush();
      target.end();
      await once(target, 'close');
      const { size } = await stat(file);
      if (size <= WRITE_AT_ONCE_BYTES) await write(await readFile(file));
      else await upload(file);
    } finally {
      target.destroy();
      await spool?.close();
      await rm(outDir, { recursive: true, force: true });
    }
  }

  /** Removes the spool without writing results (the manager failed). */
  async discard(): Promise<void> {
    this.out?.destroy();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
