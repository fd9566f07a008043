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
