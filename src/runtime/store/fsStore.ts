// Run store in a local folder. Writes go to a temporary file and are renamed into place, so a
// reader (the sidebar, a test) never sees half a progress.json.
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { RunStore } from './store';

let counter = 0;

export class FsStore implements RunStore {
  private readonly root: string;

  constructor(readonly location: string) {
    this.root = resolve(location.startsWith('file://') ? fileURLToPath(location) : location);
  }

  async read(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async readStream(key: string): Promise<NodeJS.ReadableStream | undefined> {
    const path = this.path(key);
    const stream = createReadStream(path);
    return new Promise((resolve, reject) => {
      stream.once('open', () => resolve(stream));
      stream.once('error', (error: NodeJS.ErrnoException) =>
        error.code === 'ENOENT' ? resolve(undefined) : reject(error),
      );
    });
  }

  async write(key: string, data: string | Buffer, options: { private?: boolean } = {}): Promise<void> {
    const target = this.path(key);
    const temp = await this.tempFor(target);
    try {
      await writeFile(temp, data, { mode: options.private ? 0o600 : 0o644 });
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async create(key: string, data: string | Buffer, options: { private?: boolean } = {}): Promise<boolean> {
    const target = this.path(key);
    const temp = await this.tempFor(target);
    try {
      await writeFile(temp, data, { mode: options.private ? 0o600 : 0o644 });
      // link() refuses an existing target, so two writers cannot both win, and nobody sees half a file.
      await link(temp, target);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      await rm(temp, { force: true });
    }
  }

  async upload(key: string, file: string): Promise<void> {
    const target = this.path(key);
    const temp = await this.tempFor(target);
    try {
      await pipeline(createReadStream(file), createWriteStream(temp));
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  close(): void {}

  /** Keys are relative paths below the root; anything that would leave it is refused. */
  private path(key: string): string {
    const full = resolve(this.root, key);
    if (!full.startsWith(this.root + sep)) throw new Error(`store key "${key}" leaves the run folder`);
    return full;
  }

  private async tempFor(target: string): Promise<string> {
    await mkdir(dirname(target), { recursive: true });
    return `${target}.${process.pid}.${++counter}.tmp`;
  }
}
