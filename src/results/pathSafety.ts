// Decides where an S3 key lands under the download folder, and refuses every key that could land
// anywhere else or cannot be a file name: `..` and `.` segments, absolute paths, drive letters,
// backslashes, empty segments, NUL, names longer than 255 bytes. On Windows also reserved device
// names, `:` (alternate data streams) and names ending in a dot or space. Each refusal says which
// of these it is (RefusalKind), so the summary can word each kind for what it is. Names that merely
// start with ".." ("..foo") are ordinary names. No vscode import.
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Why a key was refused. */
export type RefusalKind =
  | 'outsidePrefix'
  | 'markerWithContent'
  | 'nul'
  | 'absolute'
  | 'driveLetter'
  | 'backslash'
  | 'emptySegment'
  | 'parentSegment'
  | 'currentSegment'
  | 'tooLong'
  | 'windowsName'
  /** Resolved outside the folder although every segment passed (a last line of defence). */
  | 'outside';

export type KeyVerdict =
  | { kind: 'file'; relative: string; segments: string[] }
  /** A zero-byte "folder/" object as the S3 console makes them: nothing to write. */
  | { kind: 'folderMarker' }
  | { kind: 'refused'; refusal: RefusalKind; reason: string };

interface Refusal {
  refusal: RefusalKind;
  reason: string;
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
/** The longest file name (one path segment) Linux, macOS and Windows file systems take, in bytes. */
export const MAX_NAME_BYTES = 255;

const refuse = (refusal: RefusalKind, reason: string): Refusal => ({ refusal, reason });

export function placeKey(key: string, prefix: string, size: number, platform: string = process.platform): KeyVerdict {
  if (!key.startsWith(prefix)) return { kind: 'refused', ...refuse('outsidePrefix', 'not under the run prefix') };
  const rest = key.slice(prefix.length);
  if (rest === '') return { kind: 'folderMarker' };
  const marker = rest.endsWith('/');
  if (marker && size > 0) return { kind: 'refused', ...refuse('markerWithContent', 'ends with "/" but has content') };
  const checked = checkRelative(marker ? rest.slice(0, -1) : rest, platform);
  if (!Array.isArray(checked)) return { kind: 'refused', ...checked };
  return marker ? { kind: 'folderMarker' } : { kind: 'file', relative: checked.join('/'), segments: checked };
}

function checkRelative(rest: string, platform: string): string[] | Refusal {
  if (rest.includes('\0')) return refuse('nul', 'contains a NUL character');
  if (rest.startsWith('/')) return refuse('absolute', 'an absolute path (starts with "/")');
  if (/^[a-zA-Z]:/.test(rest)) return refuse('driveLetter', 'starts with a drive letter');
  if (rest.includes('\\')) return refuse('backslash', 'contains a backslash (a folder separator on Windows)');
  const segments = rest.split('/');
  return checkSegments(segments, platform) ?? segments;
}

function checkSegments(segments: string[], platform: string): Refusal | undefined {
  for (const segment of segments) {
    if (segment === '') return refuse('emptySegment', 'an empty path segment ("//")');
    if (segment === '..')
      return refuse('parentSegment', 'a parent folder segment (".."): it would land outside the folder');
    if (segment === '.') return refuse('currentSegment', 'a current folder segment (".")');
    const bytes = Buffer.byteLength(segment);
    if (bytes > MAX_NAME_BYTES) return refuse('tooLong', `a name of ${bytes} bytes, longer than ${MAX_NAME_BYTES}`);
    if (platform === 'win32') {
      if (segment.includes(':')) return refuse('windowsName', 'contains ":" (not allowed in Windows file names)');
      if (/[<>"|?*]/.test(segment) || [...segment].some((c) => c.charCodeAt(0) < 32))
        return refuse('windowsName', 'contains a character Windows does not allow in file names');
      if (/[. ]$/.test(segment)) return refuse('windowsName', 'a name ending in a dot or space (Windows drops them)');
      if (WINDOWS_RESERVED.test(segment))
        return refuse('windowsName', `"${segment}" is a reserved device name on Windows`);
    }
  }
  return undefined;
}

/**
 * The absolute path for a placed key; throws if it would not be strictly inside root. Only a real
 * parent step ("..", "../x") leaves root: a name such as "..foo" stays inside.
 */
export function pathInside(root: string, segments: readonly string[]): string {
  const base = resolve(root);
  const target = resolve(join(base, ...segments));
  const rel = relative(base, target);
  if (!rel || isAbsolute(rel) || rel.split(sep).includes('..')) {
    throw new Error(`refusing to write outside ${base}`);
  }
  return target;
}
