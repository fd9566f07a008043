// Follows what a task writes to its stdout and stderr files: forwards it line by line to the
// worker's own output with a `[task i]` prefix (the job log), keeps the last lines for a failed
// result and the end of each stream for tasks/<i>/stdout.log and stderr.log. The files are read as
// they grow (the worker polls every running task a few times a second, and once at the end), and
// cut back to empty when they grow large, so a task that prints gigabytes does not fill the disk:
// the files are opened for appending, so the task's next write lands at the new end.
import { closeSync, fstatSync, openSync, readSync, statSync, ftruncateSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { ByteTail, LineTail } from './lines';

/** A file is emptied once this much of it has been read (and nothing more was written meanwhile). */
const CUT_BYTES = 8 * 1024 * 1024;
const READ_BYTES = 256 * 1024;

class FollowedFile {
  private offset = 0;
  private partial = '';
  private readonly decoder = new StringDecoder('utf8');
  readonly kept = new ByteTail();

  constructor(
    readonly path: string,
    private readonly to: NodeJS.WritableStream,
    private readonly prefix: string,
    private readonly tails: LineTail[],
  ) {}

  /** Reads what was written since the last call. */
  read(): void {
    let size: number;
    try {
      size = statSync(this.path).size;
    } catch {
      return; // not created yet
    }
    if (size <= this.offset) return;
    const fd = openSync(this.path, 'r+');
    try {
      const buffer = Buffer.allocUnsafe(READ_BYTES);
      for (;;) {
        const n = readSync(fd, buffer, 0, READ_BYTES, this.offset);
        if (n === 0) break;
        this.offset += n;
        const chunk = buffer.subarray(0, n);
        this.kept.add(Buffer.from(chunk));
        this.lines(this.decoder.write(chunk));
      }
      // Everything so far is read: empty the file if it got large. A write that lands between the
      // size check and the cut would be lost, so cut only when the file is exactly what was read.
      if (this.offset >= CUT_BYTES && fstatSync(fd).size === this.offset) {
        ftruncateSync(fd, 0);
        this.offset = 0;
      }
    } finally {
      closeSync(fd);
    }
  }

  end(): void {
    this.read();
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (!rest) return;
    for (const tail of this.tails) tail.add(rest);
    this.to.write(this.prefix + rest + '\n');
  }

  private lines(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    if (lines.length === 0) return;
    for (const line of lines) for (const tail of this.tails) tail.add(line);
    this.to.write(lines.map((line) => this.prefix + line + '\n').join(''));
  }
}

export class TaskOutput {
  /** The last lines of both streams, for a failed result. */
  readonly tail = new LineTail();
  /** The last lines of stderr, for a failed result's one-line reason. */
  readonly stderrTail = new LineTail(5, 1024);
  readonly stdout: FollowedFile;
  readonly stderr: FollowedFile;

  constructor(stdoutFile: string, stderrFile: string, index: number) {
    const prefix = `[task ${index}] `;
    this.stdout = new FollowedFile(stdoutFile, process.stdout, prefix, [this.tail]);
    this.stderr = new FollowedFile(stderrFile, process.stderr, prefix, [this.tail, this.stderrTail]);
  }

  poll(): void {
    this.stdout.read();
    this.stderr.read();
  }

  /** After the task ended: the rest of both files. */
  end(): void {
    this.stdout.end();
    this.stderr.end();
  }
}
