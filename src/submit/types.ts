// What the Submit pipeline hands back to the commands (progress and line sinks: src/shared/progress.ts).

/** What a Submit produced; also the payload of Services.onDidSubmitRun. */
export interface SubmittedRun {
  runId: string;
  jobId: string;
  jobName: string;
  /** The queue as written in aws-batch.json (name or ARN). */
  queue: string;
  /** s3://bucket/prefix/<runId>/ */
  runUri: string;
  jobDefinitionArn: string;
  image: string;
}
