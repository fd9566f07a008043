// The SDK-backed half of the extension, loaded on first use: scripts/build.mjs bundles this file into
// dist/aws.js so that the extension's own bundle stays small and activation does not parse the AWS
// SDK. Import it only as `await import('../bundles/aws')`; eslint refuses static SDK imports elsewhere.
export * from '../aws/clients';
export * from '../aws/sdkBatchApi';
export * from '../aws/logsFollowApi';
export * from '../aws/s3Results';
export * from '../aws/ecr';
export * from '../aws/jobDefinition';
export * from '../aws/listings';
export * from '../aws/runStore';
export * from '../aws/runFilesS3';
export * from '../aws/submitJob';
// The Submit pipeline makes the SDK calls above; it lives in this bundle so that the SDK is loaded once.
export { SubmitPipeline } from '../submit/pipeline';
// Run Locally calls no AWS API; it shares this bundle (loaded on first use) with Submit's build code.
export { removeLocalRun, runLocally } from '../submit/localRun';
