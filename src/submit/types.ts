// Plain interfaces the build/push/register/submit pipeline talks through, so that it runs (and is
// tested) without VS Code. The commands adapt them to a progress notification and output channels.

/** Reports the current step; `fraction` (0..1) is how far the whole operation is, when known. */
export interface ProgressReporter {
  report(message: string, fraction?: number): void;
}

/** Receives output lines (build steps, push progress, decisions). Never given a credential. */
export type LineSink = (line: string) => void;

export const silentProgress: ProgressReporter = { report: () => undefined };
export const ignoreLines: LineSink = () => undefined;

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
