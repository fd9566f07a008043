// The run's S3 prefix as the Submit command sees it: check the bucket, write run.json and the inputs
// before the manager starts, and take them back when the submit fails.
import { DeleteObjectsCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { RunSpec } from '../config/runSpec';
import { AwsStepError, SubmitError, awsStep, cancelled } from '../shared/errors';

/** Fails with a message naming the fix when the results bucket is missing or not ours to use. */
export async function checkBucket(s3: S3Client, bucket: string, signal?: AbortSignal): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: signal });
  } catch (error) {
    if (signal?.aborted) throw cancelled();
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const name = (error as Error).name;
    if (status === 404 || name === 'NotFound' || name === 'NoSuchBucket') {
      throw new SubmitError(
        'bucket',
        `The results bucket "${bucket}" (aws-batch.json "results.bucket") does not exist in this account. Create it (aws s3 mb s3://${bucket}), or set "results.bucket" to an existing bucket.`,
      );
    }
    if (status === 403) {
      throw new SubmitError(
        'bucket',
        `Access to the results bucket "${bucket}" (aws-batch.json "results.bucket") is denied. Use a bucket of this account, or ask for s3:ListBucket, s3:PutObject and s3:GetObject on it.`,
      );
    }
    throw new AwsStepError('s3:ListBucket', error);
  }
}

export interface RunFiles {
  bucket: string;
  /** prefix/<runId>/ */
  prefix: string;
  spec: RunSpec;
  inputs?: unknown[];
}

/** Writes run.json (and inputs.jsonl when the tasks have inputs); returns the keys written. */
export async function writeRunFiles(s3: S3Client, files: RunFiles, signal?: AbortSignal): Promise<string[]> {
  const objects: { key: string; body: string; type: string }[] = [
    { key: `${files.prefix}run.json`, body: `${JSON.stringify(files.spec, null, 2)}\n`, type: 'application/json' },
  ];
  if (files.inputs) {
    objects.push({
      key: `${files.prefix}inputs.jsonl`,
      body: files.inputs.map((input) => JSON.stringify(input)).join('\n') + '\n',
      type: 'application/x-ndjson',
    });
  }
  const written: string[] = [];
  try {
    for (const object of objects) {
      await awsStep('s3:PutObject', signal, () =>
        s3.send(
          new PutObjectCommand({ Bucket: files.bucket, Key: object.key, Body: object.body, ContentType: object.type }),
          { abortSignal: signal },
        ),
      );
      written.push(object.key);
    }
  } catch (error) {
    await deleteRunFiles(s3, files.bucket, written);
    throw error;
  }
  return written;
}

/** Best effort: a failed submit leaves no run folder behind. */
export async function deleteRunFiles(s3: S3Client, bucket: string, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await s3
    .send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }))
    .catch(() => undefined);
}
