// The SDK-backed AWS layer, loaded on first use: scripts/build.mjs bundles it into dist/aws.js so
// that the extension's own bundle stays small and activation does not parse the AWS SDK.
// Import it only as `await import('../aws/api')`; eslint refuses static SDK imports elsewhere.
export * from './batchJobs';
export * from './batchQueues';
export * from './clients';
export * from './batchJobsApi';
export * from './logsFollowApi';
export * from './s3Results';
