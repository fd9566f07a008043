// Links into the AWS Batch console for the right partition and region.

export type ConsolePage = 'queues' | 'compute-environments' | 'jobs' | 'job-definition';

export function consoleHost(region: string): string {
  if (region.startsWith('cn-')) return 'console.amazonaws.cn';
  if (region.startsWith('us-gov-')) return 'console.amazonaws-us-gov.com';
  return `${region}.console.aws.amazon.com`;
}

export function consoleUrl(region: string, page: ConsolePage): string {
  return `https://${consoleHost(region)}/batch/home?region=${encodeURIComponent(region)}#${page}`;
}

export function jobConsoleUrl(region: string, jobId: string): string {
  return `${consoleUrl(region, 'jobs')}/detail/${encodeURIComponent(jobId)}`;
}

/** The S3 console's page of a folder (a run's files): bucket, prefix and region in the query. */
export function s3ConsoleUrl(region: string, bucket: string, prefix: string): string {
  const query = `prefix=${encodeURIComponent(prefix)}&region=${encodeURIComponent(region)}`;
  // The standard partition's S3 console is global; the others live on their partition's console host.
  const base =
    region.startsWith('cn-') || region.startsWith('us-gov-')
      ? `https://${consoleHost(region)}/s3`
      : 'https://s3.console.aws.amazon.com/s3';
  return `${base}/buckets/${encodeURIComponent(bucket)}?${query}`;
}
