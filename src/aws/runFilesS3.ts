// The Runs view's RunFilesApi over the AWS SDK: run folders by ListObjectsV2 with a delimiter, small
// files by GetObject with If-None-Match (a 304 costs no body). Part of the SDK bundle: load it with
// `await import('../bundles/aws')`.
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import type { FetchedFile, RunFilesApi } from '../results/runFilesApi';
import { parseRunUri } from '../results/runUris';
import { awsCall } from '../shared/errors';

/** progress.json and summary.json are a few KB; anything far larger is not ours. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

function status(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** Bucket and key of an s3:// URI (this API is given no other). */
function s3Of(uri: string): { bucket: string; key: string } {
  const parsed = parseRunUri(uri);
  if (parsed.scheme !== 's3') throw new Error(`${uri} is not an s3:// URI`);
  return parsed;
}

export function createRunFilesApi(s3: S3Client): RunFilesApi {
  return {
    listFolders: (uri, signal) =>
      awsCall('s3:ListBucket', signal, async () => {
        const { bucket, key: prefix } = s3Of(uri);
        const names: string[] = [];
        const pages = paginateListObjectsV2(
          { client: s3, pageSize: 1000 },
          { Bucket: bucket, Prefix: prefix, Delimiter: '/' },
        );
        for await (const page of pages) {
          for (const common of page.CommonPrefixes ?? []) {
            const name = common.Prefix?.slice(prefix.length).replace(/\/$/, '');
            if (name) names.push(name);
          }
        }
        return names;
      }),

    read: (uri, ifNoneMatch, signal) =>
      awsCall('s3:GetObject', signal, async (): Promise<FetchedFile> => {
        const { bucket, key } = s3Of(uri);
        try {
          const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfNoneMatch: ifNoneMatch }), {
            abortSignal: signal,
          });
          if ((out.ContentLength ?? 0) > MAX_FILE_BYTES) {
            (out.Body as { destroy?: () => void } | undefined)?.destroy?.();
            throw new Error(`${key} is ${out.ContentLength} bytes, too large for a run file`);
          }
          const text = (await out.Body?.transformToString('utf8')) ?? '';
          return { kind: 'found', text, etag: out.ETag };
        } catch (error) {
          const code = status(error);
          if (code === 304) return { kind: 'notModified' };
          if (code === 404 || (error as Error).name === 'NoSuchKey') return { kind: 'missing' };
          throw error;
        }
      }),

    write: (uri, text) =>
      awsCall('s3:PutObject', undefined, async () => {
        const { bucket, key } = s3Of(uri);
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: 'application/json' }));
      }),

    deletePrefix: (uri, signal) =>
      awsCall('s3:DeleteObject', signal, async () => {
        const { bucket, key: prefix } = s3Of(uri);
        if (!prefix) throw new Error(`${uri} is a whole bucket, not a run folder`);
        let deleted = 0;
        for await (const page of paginateListObjectsV2(
          { client: s3, pageSize: 1000 },
          { Bucket: bucket, Prefix: prefix },
        )) {
          const keys = (page.Contents ?? []).map((object) => ({ Key: object.Key! })).filter((o) => o.Key);
          if (keys.length === 0) continue;
          const out = await s3.send(
            new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }),
            {
              abortSignal: signal,
            },
          );
          if (out.Errors?.length) {
            const first = out.Errors[0];
            throw Object.assign(new Error(`${first.Key}: ${first.Message ?? first.Code}`), {
              name: first.Code ?? 'DeleteFailed',
            });
          }
          deleted += keys.length;
        }
        return deleted;
      }),
  };
}
