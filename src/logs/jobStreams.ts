// Where a job's log lines are: the log group from its log configuration, the stream names from
// DescribeJobs (every attempt's, then the current container's). Never guessed. No vscode import.
import type { JobDetail } from '@aws-sdk/client-batch';

export const DEFAULT_LOG_GROUP = '/aws/batch/job';

/** The CloudWatch Logs group of a job, or undefined when it logs elsewhere (splunk, fluentd...). */
export function logGroupOf(job: JobDetail): string | undefined {
  const config = job.container?.logConfiguration;
  if (!config?.logDriver) return DEFAULT_LOG_GROUP;
  if (config.logDriver !== 'awslogs') return undefined;
  return config.options?.['awslogs-group'] || DEFAULT_LOG_GROUP;
}

export function streamsOf(job: JobDetail): string[] {
  const names = [
    ...(job.attempts ?? []).map((attempt) => attempt.container?.logStreamName),
    job.container?.logStreamName,
  ];
  return [...new Set(names.filter((name): name is string => !!name))];
}

export function exitCodeOf(job: JobDetail): number | undefined {
  return job.container?.exitCode ?? job.attempts?.[job.attempts.length - 1]?.container?.exitCode;
}
