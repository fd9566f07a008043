// The summary's sentence about refused keys: each kind of refusal in its own words ("2 keys
// refused: 1 with a name longer than 255 bytes; 1 with a ".." segment, which would land outside the
// folder."), most frequent first. The log lists every key with its reason. No vscode import.
import type { RefusalKind } from './pathSafety';

const WORDING: Record<RefusalKind, string> = {
  outsidePrefix: 'outside the run prefix',
  markerWithContent: 'ending in "/" but with content',
  nul: 'with a NUL character',
  absolute: 'with an absolute path',
  driveLetter: 'starting with a drive letter',
  backslash: 'with a backslash (a folder separator on Windows)',
  emptySegment: 'with an empty segment ("//")',
  parentSegment: 'with a ".." segment, which would land outside the folder',
  currentSegment: 'with a "." segment',
  tooLong: 'with a name longer than 255 bytes',
  windowsName: 'with a name Windows cannot hold',
  outside: 'that would land outside the folder',
};

/** The words for one kind of refusal, to follow a count: "1 key refused with an absolute path". */
export function refusalWording(kind: RefusalKind): string {
  return WORDING[kind];
}

/** One sentence for the summary, or "" when nothing was refused. */
export function refusalSummary(refused: readonly { refusal: RefusalKind }[]): string {
  if (!refused.length) return '';
  const counts = new Map<RefusalKind, number>();
  for (const { refusal } of refused) counts.set(refusal, (counts.get(refusal) ?? 0) + 1);
  const total = `${refused.length} ${refused.length === 1 ? 'key' : 'keys'} refused`;
  if (counts.size === 1) return `${total} ${WORDING[refused[0].refusal]}.`;
  const kinds = [...counts].sort((a, b) => b[1] - a[1]);
  return `${total}: ${kinds.map(([kind, n]) => `${n} ${WORDING[kind]}`).join('; ')}.`;
}
