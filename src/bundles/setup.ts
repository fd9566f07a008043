// Set Up / Tear Down (the CloudFormation stack of resources/batch-setup.yaml), bundled on its own into
// dist/setup.js: the CloudFormation and EC2 clients are large and only these two commands need them.
// Import it only as `await import('../bundles/setup')`.
export * from '../aws/setupStack';
export * from '../aws/setupPlan';
