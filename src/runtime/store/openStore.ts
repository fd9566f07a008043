// Picks the run store for a URI. Apart from store.ts so that the store implementations, which
// import its types, are not imported back by it.
import { parseS3Uri, type RunStore } from './store';

/** Opens the store at `uri`: S3 for `s3://`, else a filesystem folder (a path or a `file://` URL). */
export async function openStore(uri: string): Promise<RunStore> {
  const s3 = parseS3Uri(uri);
  if (s3) {
    // Loaded on demand: local runs and tests on a folder never evaluate the AWS SDK.
    const { S3Store } = await import('./s3Store');
    return new S3Store(uri, s3);
  }
  const { FsStore } = await import('./fsStore');
  return new FsStore(uri);
}
