// Is a local file the same as an S3 object? Same size, and the same MD5 (single-part ETag) or the
// same multipart ETag (MD5 of the parts' MD5s, for the part sizes that fit the part count; tools use
// 5, 8, 16 MiB and so on). One read of the file checks every candidate part size. No vscode import.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

export interface ParsedEtag {
  /** 32 hex digits. */
  md5: string;
  /** Number of parts for a multipart ETag, else undefined. */
  parts: number | undefined;
}

export function parseEtag(etag: string | undefined): ParsedEtag | undefined {
  const match = /^"?([0-9a-fA-F]{32})(?:-(\d+))?"?$/.exec(etag ?? '');
  if (!match) return undefined;
  return { md5: match[1].toLowerCase(), parts: match[2] ? Number(match[2]) : undefined };
}

const MIB = 1024 * 1024;
const COMMON_PART_MIB = [5, 6, 8, 10, 15, 16, 20, 25, 32, 50, 64, 100, 128, 256, 512, 1024];

/** Part sizes that split `size` bytes into exactly `parts` parts. */
export function candidatePartSizes(size: number, parts: number): number[] {
  const candidates = new Set<number>();
  for (const mib of COMMON_PART_MIB) candidates.add(mib * MIB);
  const even = Math.ceil(size / parts);
  candidates.add(even);
  candidates.add(Math.ceil(even / MIB) * MIB);
  return [...candidates].filter((ps) => ps > 0 && Math.ceil(size / ps) === parts).sort((a, b) => a - b);
}

/** The multipart ETag (without quotes) of a buffer sequence cut into parts of partSize. For tests and tools. */
export class MultipartEtag {
  private current: Hash = createHash('md5');
  private inPart = 0;
  private readonly digests: Buffer[] = [];

  constructor(private readonly partSize: number) {}

  update(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.partSize - this.inPart, chunk.length - offset);
      this.current.update(chunk.subarray(offset, offset + take));
      this.inPart += take;
      offset += take;
      if (this.inPart === this.partSize) this.closePart();
    }
  }

  digest(): string {
    if (this.inPart > 0 || this.digests.length === 0) this.closePart();
    const combined = createHash('md5').update(Buffer.concat(this.digests)).digest('hex');
    return `${combined}-${this.digests.length}`;
  }

  private closePart(): void {
    this.digests.push(this.current.digest());
    this.current = createHash('md5');
    this.inPart = 0;
  }
}

/**
 * true: the file has the object's content; false: it differs; undefined: the ETag is not an MD5
 * (e.g. SSE-KMS) or no usual part size fits, so nothing can be said.
 */
export async function fileMatchesEtag(
  path: string,
  etag: string | undefined,
  signal?: AbortSignal,
): Promise<boolean | undefined> {
  const parsed = parseEtag(etag);
  if (!parsed) return undefined;
  const { size } = await stat(path);
  if (parsed.parts === undefined) {
    const hash = createHash('md5');
    for await (const chunk of createReadStream(path, { signal })) hash.update(chunk as Buffer);
    return hash.digest('hex') === parsed.md5;
  }
  const sizes = candidatePartSizes(size, parsed.parts);
  if (!sizes.length) return undefined;
  const hashers = sizes.map((ps) => new MultipartEtag(ps));
  for await (const chunk of createReadStream(path, { signal, highWaterMark: MIB })) {
    for (const hasher of hashers) hasher.update(chunk as Buffer);
  }
  const wanted = `${parsed.md5}-${parsed.parts}`;
  return hashers.some((hasher) => hasher.digest() === wanted) ? true : undefined;
}
