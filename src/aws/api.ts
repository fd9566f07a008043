// The SDK-backed AWS layer, loaded on first use: scripts/build.mjs bundles it into dist/aws.js so
// that the extension's own bundle stays small and activation does not parse the AWS SDK.
// Import it only as `await import('../aws/api')`; eslint refuses static SDK imports elsewhere.
export * from './batchJobs';
export * from './batchQueues';
export * from './clients';
export * from './batchJobsApi';
export * from './logsFollowApi';
export * from './s3Results';
export * from './ecr';
export * from './jobDefinition';
export * from './listings';
export * from './runStore';
export * from './submitJob';
// The Submit pipeline makes the SDK calls above; it lives in this bundle so that the SDK is loaded once.
// Commands catch its errors with these classes (from this bundle, so instanceof holds).
export { SubmitPipeline } from '../submit/pipeline';
export { AwsStepError, SubmitError } from '../submit/errors';
