// s3://bucket/prefix/ URIs. No vscode import.

export interface S3Location {
  bucket: string;
  /** Empty, or ends with "/". */
  prefix: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri.trim());
  if (!match) throw new Error(`"${uri}" is not an S3 URI; use s3://bucket/prefix/.`);
  const [, bucket, rest] = match;
  if (!BUCKET.test(bucket)) throw new Error(`"${bucket}" is not a valid S3 bucket name.`);
  const prefix = rest && !rest.endsWith('/') ? `${rest}/` : rest;
  return { bucket, prefix };
}

export function formatS3Uri(location: S3Location): string {
  return `s3://${location.bucket}/${location.prefix}`;
}

/** The last folder of the prefix, e.g. the run id of s3://bucket/runs/<runId>/. */
export function lastSegment(location: S3Location): string {
  const parts = location.prefix.split('/').filter(Boolean);
  return parts[parts.length - 1] ?? location.bucket;
}
