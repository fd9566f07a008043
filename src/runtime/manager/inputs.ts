// Task inputs for the manager. Inline ones (run.json's tasks.inputs, small runs) are at hand; an
// inputs file (run.json's tasks.inputsFile: JSON Lines, one value per non-empty line) is read as a
// stream, a bounded window ahead of the tasks being handed out: fresh tasks go out in index order,
// so one pass over the file serves them all. An input stays in memory only while its task is
// queued for a retry or running; a million inputs never sit in memory at once.
import { createInterface } from 'node:readline';
import { openStore } from '../store/openStore';
import type { RunStore } from '../store/store';

/** Lines read ahead of the next task handed out. */
const READ_AHEAD = 4096;

/** Where an inputs file is: a key of the run store, or a URI / absolute path of its own. */
export async function openInputs(
  store: RunStore,
  file: string,
): Promise<{ store: RunStore; key: string; own: boolean }> {
  if (!file.includes('://') && !file.startsWith('/')) return { store, key: file, own: false };
  const cut = file.lastIndexOf('/');
  return { store: await openStore(file.slice(0, cut + 1)), key: file.slice(cut + 1), own: true };
}

type Lines = AsyncIterable<string> | Iterable<string>;

async function lines(store: RunStore, key: string): Promise<Lines> {
  if (store.readStream) {
    const stream = await store.readStream(key);
    if (!stream) throw new Error(`the inputs file ${key} is not in ${store.location}`);
    return createInterface({ input: stream, crlfDelay: Infinity });
  }
  const data = await store.read(key);
  if (!data) throw new Error(`the inputs file ${key} is not in ${store.location}`);
  return data.toString('utf8').split('\n');
}

/** Counts the inputs (non-empty lines) of a file in one streamed pass. */
export async function countInputs(store: RunStore, key: string): Promise<number> {
  let n = 0;
  for await (const line of await lines(store, key)) if (line.trim() !== '') n++;
  return n;
}

export interface InputSource {
  /**
   * The input of task `index` as JSON text; undefined while it is not read yet (ready() calls back
   * when more arrived). Indexes must be asked for in increasing order the first time.
   */
  take(index: number): string | undefined;
  /** The file ended before this index: there is no input for it. */
  missing(index: number): boolean;
  /** Keep the input of `index` (it goes back to the queue) or drop it (its task is done). */
  release(index: number): void;
  close(): void;
}

export class InlineInputs implements InputSource {
  constructor(private readonly inputs: unknown[]) {}
  take(index: number): string | undefined {
    return JSON.stringify(this.inputs[index] ?? null);
  }
  missing(index: number): boolean {
    return index >= this.inputs.length;
  }
  release(): void {}
  close(): void {}
}

export class StreamedInputs implements InputSource {
  /** Read ahead, not handed out yet. */
  private readonly ahead = new Map<number, string>();
  /** Handed out and not finished (running, or queued again for a retry). */
  private readonly held = new Map<number, string>();
  private next = 0;
  private ended = false;
  private resume?: () => void;
  private closed = false;
  private notifying = false;
  private finished?: () => void;
  error?: Error;

  constructor(
    source: Lines | Promise<Lines>,
    /** Only these indexes are needed (tasks.indexes); undefined: all. */
    private readonly wanted: ((index: number) => boolean) | undefined,
    /** Called when more inputs arrived (set it once the run that takes them exists). */
    public onReady: () => void = () => undefined,
    /** Called once, when the file is read to its end or the inputs are closed (frees what read it). */
    finished?: () => void,
  ) {
    this.finished = finished;
    void this.read(source);
  }

  /** `finished` is called once the file is read or the inputs closed, and also when opening fails. */
  static async open(
    store: RunStore,
    key: string,
    wanted: ((index: number) => boolean) | undefined,
    finished?: () => void,
  ): Promise<StreamedInputs> {
    let source: Lines;
    try {
      source = await lines(store, key);
    } catch (error) {
      finished?.();
      throw error;
    }
    return new StreamedInputs(source, wanted, undefined, finished);
  }

  take(index: number): string | undefined {
    const held = this.held.get(index);
    if (held !== undefined) return held;
    const text = this.ahead.get(index);
    if (text === undefined) return undefined;
    this.ahead.delete(index);
    this.held.set(index, text);
    if (this.ahead.size < READ_AHEAD / 2) this.resume?.();
    return text;
  }

  missing(index: number): boolean {
    return this.ended && !this.held.has(index) && !this.ahead.has(index);
  }

  release(index: number): void {
    this.held.delete(index);
  }

  close(): void {
    this.closed = true;
    this.resume?.();
    this.finish();
  }

  private finish(): void {
    const finished = this.finished;
    this.finished = undefined;
    finished?.();
  }

  private async read(source: Lines | Promise<Lines>): Promise<void> {
    try {
      for await (const line of await source) {
        if (this.closed) break;
        if (line.trim() === '') continue;
        const index = this.next++;
        if (this.wanted && !this.wanted(index)) continue;
        this.ahead.set(index, line);
        this.notify();
        if (this.ahead.size >= READ_AHEAD) {
          await new Promise<void>((resolve) => (this.resume = resolve));
          this.resume = undefined;
        }
      }
    } catch (error) {
      this.error = error as Error;
    }
    this.ended = true;
    this.finish();
    this.notify();
  }

  /** Tells the run once per turn of the event loop, so what one chunk brought goes out in one batch. */
  private notify(): void {
    if (this.notifying) return;
    this.notifying = true;
    setImmediate(() => {
      this.notifying = false;
      this.onReady();
    });
  }
}
