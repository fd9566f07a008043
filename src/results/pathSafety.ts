// Decides where an S3 key lands under the download folder, and refuses every key that could land
// anywhere else or cannot be a file name: `..` and `.` segments, absolute paths, drive letters,
// backslashes, empty segments, NUL. On Windows also reserved device names, `:` (alternate data
// streams) and names ending in a dot or space. No vscode import.
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

export type KeyVerdict =
  | { kind: 'file'; relative: string; segments: string[] }
  /** A zero-byte "folder/" object as the S3 console makes them: nothing to write. */
  | { kind: 'folderMarker' }
  | { kind: 'refused'; reason: string };

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
const MAX_SEGMENT_BYTES = 255;

export function placeKey(key: string, prefix: string, size: number, platform: string = process.platform): KeyVerdict {
  if (!key.startsWith(prefix)) return { kind: 'refused', reason: 'not under the run prefix' };
  const rest = key.slice(prefix.length);
  if (rest === '') return { kind: 'folderMarker' };
  const marker = rest.endsWith('/');
  if (marker && size > 0) return { kind: 'refused', reason: 'ends with "/" but has content' };
  const checked = checkRelative(marker ? rest.slice(0, -1) : rest, platform);
  if (typeof checked === 'string') return { kind: 'refused', reason: checked };
  return marker ? { kind: 'folderMarker' } : { kind: 'file', relative: checked.join('/'), segments: checked };
}

function checkRelative(rest: string, platform: string): string[] | string {
  if (rest.includes('\0')) return 'contains a NUL character';
  if (rest.startsWith('/')) return 'absolute path';
  if (/^[a-zA-Z]:/.test(rest)) return 'starts with a drive letter';
  if (rest.includes('\\')) return 'contains a backslash (a folder separator on Windows)';
  const segments = rest.split('/');
  return checkSegments(segments, platform) ?? segments;
}

function checkSegments(segments: string[], platform: string): string | undefined {
  for (const segment of segments) {
    if (segment === '') return 'empty path segment ("//")';
    if (segment === '..') return 'parent folder segment ("..")';
    if (segment === '.') return 'current folder segment (".")';
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) return 'a name longer than 255 bytes';
    if (platform === 'win32') {
      if (segment.includes(':')) return 'contains ":" (not allowed in Windows file names)';
      if (/[<>"|?*]/.test(segment) || [...segment].some((c) => c.charCodeAt(0) < 32))
        return 'contains a character Windows does not allow in file names';
      if (/[. ]$/.test(segment)) return 'a name ending in a dot or space (Windows drops them)';
      if (WINDOWS_RESERVED.test(segment)) return `"${segment}" is a reserved device name on Windows`;
    }
  }
  return undefined;
}

/** The absolute path for a placed key; throws if it would not be strictly inside root. */
export function pathInside(root: string, segments: readonly string[]): string {
  const base = resolve(root);
  const target = resolve(join(base, ...segments));
  const rel = relative(base, target);
  if (!rel || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) {
    throw new Error(`refusing to write outside ${base}`);
  }
  return target;
}
