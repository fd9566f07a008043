// The peer of `bench submit`: what a user types today to get a workspace onto AWS Batch — docker
// build, sign in to ECR (the password through stdin) and push, register the job definition, submit.
// Shared by the classic and the BuildKit halves so both time the same commands.

/**
 * Runs the whole sequence once and returns the submitted job's id.
 * @param {object} o
 * @param {(command: string, args: string[], extra?: object) => string} o.run runs a command, returns its stdout
 * @param {string} o.docker the docker CLI
 * @param {string} o.awsCli the AWS CLI
 * @param {string} o.endpoint the stand-in's endpoint
 * @param {string} o.registry registry host
 * @param {string} o.image the tag to build and push
 * @param {string} o.context the build context
 * @param {string} o.definitionName the job definition's name
 * @param {string} o.containerProperties the definition's container properties (JSON)
 * @param {string} o.jobName
 */
export function cliSubmit(o) {
  o.run(o.docker, ['build', '--platform', 'linux/amd64', '-q', '-t', o.image, o.context]);
  const password = o.run(o.awsCli, ['ecr', 'get-login-password', '--endpoint-url', o.endpoint]);
  o.run(o.docker, ['login', '--username', 'AWS', '--password-stdin', o.registry], { input: password });
  o.run(o.docker, ['push', '-q', o.image]);
  const definition = JSON.parse(
    o.run(o.awsCli, [
      'batch',
      'register-job-definition',
      '--endpoint-url',
      o.endpoint,
      '--job-definition-name',
      o.definitionName,
      '--type',
      'container',
      '--container-properties',
      o.containerProperties,
      '--output',
      'json',
    ]),
  );
  const submitted = JSON.parse(
    o.run(o.awsCli, [
      'batch',
      'submit-job',
      '--endpoint-url',
      o.endpoint,
      '--job-name',
      o.jobName,
      '--job-queue',
      'research-queue',
      '--job-definition',
      definition.jobDefinitionArn,
      '--output',
      'json',
    ]),
  );
  return submitted.jobId;
}
