// Run folder URIs: `s3://bucket/prefix/<runId>/` (AWS Batch runs) and `file:///…/<runId>/` (local
// runs). One parser so the Runs view, the run actions and Download Results agree. No vscode import.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatS3Uri, parseS3Uri } from './s3Uri';

export type ParsedRunUri = { scheme: 's3'; bucket: string; key: string } | { scheme: 'file'; path: string };

/** A location, run folder or file URI; throws a readable Error for anything else. */
export function parseRunUri(uri: string): ParsedRunUri {
  if (uri.startsWith('s3://')) {
    const { bucket, prefix } = parseS3Uri(uri);
    // parseS3Uri makes folders of keys; a file URI keeps its exact key.
    const key = uri.endsWith('/') ? prefix : prefix.replace(/\/$/, '');
    return { scheme: 's3', bucket, key };
  }
  if (uri.startsWith('file://')) return { scheme: 'file', path: fileURLToPath(uri) };
  throw new Error(`"${uri}" is neither an s3:// nor a file:// URI.`);
}

/** The folder URI of a path on disk, ending in "/". */
export function folderUriOf(path: string): string {
  const href = pathToFileURL(path).href;
  return href.endsWith('/') ? href : `${href}/`;
}

/** A normalised folder URI (one trailing "/"), or undefined when it is not one. */
export function normalizeFolderUri(uri: string): string | undefined {
  try {
    const parsed = parseRunUri(uri.endsWith('/') ? uri : `${uri}/`);
    return parsed.scheme === 's3'
      ? formatS3Uri({ bucket: parsed.bucket, prefix: parsed.key })
      : folderUriOf(parsed.path);
  } catch {
    return undefined;
  }
}

/** The last folder name: the run id of a run folder URI. */
export function lastFolderName(folderUri: string): string | undefined {
  return folderUri.split('/').filter(Boolean).pop();
}

export function isLocalRunUri(uri: string): boolean {
  return uri.startsWith('file://');
}
