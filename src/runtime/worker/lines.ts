// Forwards a task's output to the worker's own output one line at a time with a `[task i]` prefix,
// so the lines of tasks sharing a worker stay apart in the job log, and keeps the last lines for
// the task's result.
import type { Readable } from 'node:stream';
import { TAIL_MAX_BYTES, TAIL_MAX_LINES } from '../protocol/messages';

/** The last lines of a task's output: at most `maxLines` lines and `maxBytes` bytes (UTF-8) in all. */
export class LineTail {
  private readonly kept: string[] = [];
  private bytes = 0;

  constructor(
    private readonly maxLines = TAIL_MAX_LINES,
    private readonly maxBytes = TAIL_MAX_BYTES,
  ) {}

  add(line: string): void {
    const text = cutToBytes(line.replace(/\r$/, ''), this.maxBytes);
    this.kept.push(text);
    this.bytes += Buffer.byteLength(text);
    while (this.kept.length > this.maxLines || this.bytes > this.maxBytes) {
      this.bytes -= Buffer.byteLength(this.kept.shift()!);
    }
  }

  lines(): string[] {
    return [...this.kept];
  }

  /** The last line that is not blank, or undefined. */
  last(): string | undefined {
    for (let i = this.kept.length - 1; i >= 0; i--) if (this.kept[i].trim()) return this.kept[i].trim();
    return undefined;
  }
}

/**
 * The last `maxBytes` of a stream, for tasks/<i>/stdout.log and stderr.log: what a task printed comes
 * back with Download Results, bounded (the start of a very long output is only in the job's log).
 */
export class ByteTail {
  private chunks: Buffer[] = [];
  private kept = 0;
  private dropped = 0;

  constructor(private readonly maxBytes = 1024 * 1024) {}

  add(chunk: Buffer | string): void {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.chunks.push(buffer);
    this.kept += buffer.length;
    while (this.kept - this.chunks[0].length >= this.maxBytes) {
      this.kept -= this.chunks[0].length;
      this.dropped += this.chunks.shift()!.length;
    }
  }

  get empty(): boolean {
    return this.kept === 0 && this.dropped === 0;
  }

  /** The text kept, after a line saying how much was cut when the output was longer. */
  text(): Buffer {
    const all = Buffer.concat(this.chunks);
    const cut = Math.max(0, all.length - this.maxBytes);
    const body = all.subarray(cut);
    const lost = this.dropped + cut;
    return lost
      ? Buffer.concat([Buffer.from(`[the first ${lost} bytes are cut; the job's log has them]\n`), body])
      : body;
  }
}

/** The longest start of `text` that is at most `maxBytes` bytes in UTF-8 (whole characters). */
export function cutToBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = Buffer.from(text).subarray(0, maxBytes).toString('utf8');
  // A character cut in half decodes to U+FFFD (3 bytes); drop characters until it fits.
  while (Buffer.byteLength(out) > maxBytes) out = out.slice(0, -1);
  return out;
}

export function forwardLines(
  from: Readable,
  to: NodeJS.WritableStream,
  prefix: string,
  ...tails: (LineTail | undefined)[]
): void {
  let partial = '';
  from.setEncoding('utf8');
  from.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    if (lines.length === 0) return;
    for (const line of lines) for (const tail of tails) tail?.add(line);
    to.write(lines.map((line) => prefix + line + '\n').join(''));
  });
  from.on('end', () => {
    if (!partial) return;
    for (const tail of tails) tail?.add(partial);
    to.write(prefix + partial + '\n');
  });
}
