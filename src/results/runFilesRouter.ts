// One RunFilesApi for both kinds of run: s3:// URIs go to S3 (loaded only when a URI needs it, so a
// local run never loads the SDK or calls AWS), file:// URIs to the disk.
import type { RunFilesApi } from './runFilesApi';
import { createLocalRunFiles } from './localRunFiles';

export function routeRunFiles(s3: () => Promise<RunFilesApi>): RunFilesApi {
  const local = createLocalRunFiles();
  const pick = (uri: string): Promise<RunFilesApi> => (uri.startsWith('file://') ? Promise.resolve(local) : s3());
  return {
    listFolders: async (uri, signal) => (await pick(uri)).listFolders(uri, signal),
    read: async (uri, etag, signal) => (await pick(uri)).read(uri, etag, signal),
    write: async (uri, text) => (await pick(uri)).write(uri, text),
    deletePrefix: async (uri, signal) => (await pick(uri)).deletePrefix(uri, signal),
  };
}
