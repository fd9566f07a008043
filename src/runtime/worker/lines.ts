// Forwards a task's output to the worker's own output one line at a time with a `[task i]` prefix,
// so the lines of tasks sharing a worker stay apart in the job log.
import type { Readable } from 'node:stream';

export class Tail {
  private text = '';
  constructor(private readonly limit = 2000) {}
  add(chunk: string): void {
    this.text = (this.text + chunk).slice(-this.limit);
  }
  toString(): string {
    return this.text.trim();
  }
}

export function forwardLines(from: Readable, to: NodeJS.WritableStream, prefix: string, tail?: Tail): void {
  let partial = '';
  from.setEncoding('utf8');
  from.on('data', (chunk: string) => {
    tail?.add(chunk);
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    if (lines.length > 0) to.write(lines.map((line) => prefix + line + '\n').join(''));
  });
  from.on('end', () => {
    if (partial) to.write(prefix + partial + '\n');
  });
}
