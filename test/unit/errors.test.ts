import * as assert from 'node:assert/strict';
import { explainAwsError } from '../../src/shared/awsProblem';
import { AwsTarget, AwsTargetError } from '../../src/aws/target';

const aws: AwsTarget = {
  profile: 'research',
  profileSource: 'setting',
  region: 'eu-west-1',
  regionSource: 'setting',
  endpoint: undefined,
};
const local: AwsTarget = { ...aws, profile: undefined, endpoint: 'http://127.0.0.1:5999' };

function sdkError(name: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

suite('explainAwsError', () => {
  test('no credentials', () => {
    const problem = explainAwsError(
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      'batch:DescribeJobQueues',
      aws,
    );
    assert.equal(problem.kind, 'noCredentials');
    assert.match(problem.message, /No AWS credentials found for profile "research"/);
  });

  test('expired SSO token tells the exact login command', () => {
    const problem = explainAwsError(
      Object.assign(new Error('The SSO session associated with this profile has expired or is otherwise invalid.'), {
        name: 'CredentialsProviderError',
      }),
      'batch:DescribeJobQueues',
      aws,
    );
    assert.equal(problem.kind, 'ssoExpired');
    assert.match(problem.message, /`aws sso login --profile research`/);
  });

  test('access denied names the action from the message, else the attempted one', () => {
    const named = explainAwsError(
      sdkError(
        'AccessDeniedException',
        'User: arn:aws:iam::1:user/x is not authorized to perform: batch:DescribeComputeEnvironments on resource: *',
        403,
      ),
      'batch:DescribeJobQueues',
      aws,
    );
    assert.equal(named.kind, 'accessDenied');
    assert.match(named.message, /not allowed to call batch:DescribeComputeEnvironments/);
    const unnamed = explainAwsError(
      sdkError('AccessDeniedException', 'Access Denied', 403),
      'batch:DescribeJobQueues',
      aws,
    );
    assert.match(unnamed.message, /batch:DescribeJobQueues/);
  });

  test('expired and rejected keys', () => {
    assert.equal(
      explainAwsError(
        sdkError('ExpiredTokenException', 'The security token included in the request is expired'),
        'x',
        aws,
      ).kind,
      'credentialsExpired',
    );
    assert.equal(
      explainAwsError(sdkError('UnrecognizedClientException', 'The security token is invalid'), 'x', aws).kind,
      'credentialsRejected',
    );
  });

  test('an unreachable endpoint names the endpoint and the setting', () => {
    const refused = Object.assign(
      new AggregateError([Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5999'), { code: 'ECONNREFUSED' })]),
      {
        code: 'ECONNREFUSED',
      },
    );
    const problem = explainAwsError(refused, 'batch:DescribeJobQueues', local);
    assert.equal(problem.kind, 'endpoint');
    assert.match(problem.message, /Cannot reach http:\/\/127\.0\.0\.1:5999 \(connection refused\)/);
    assert.match(problem.message, /awsBatch\.endpointUrl/);
  });

  test('an unknown region shows up as a DNS failure without a custom endpoint', () => {
    const problem = explainAwsError(
      Object.assign(new Error('getaddrinfo ENOTFOUND batch.mars-north-1.amazonaws.com'), { code: 'ENOTFOUND' }),
      'batch:DescribeJobQueues',
      { ...aws, region: 'mars-north-1' },
    );
    assert.equal(problem.kind, 'region');
    assert.match(problem.message, /region "mars-north-1"/);
  });

  test('target errors keep their own words, also when thrown by the separately bundled dist/aws.js', () => {
    const problem = explainAwsError(new AwsTargetError('No AWS region is set.', 'region'), 'x');
    assert.deepEqual([problem.kind, problem.message], ['region', 'No AWS region is set.']);
    const foreign = Object.assign(new Error('The AWS profile "x" is not in ~/.aws/config.'), {
      name: 'AwsTargetError',
      kind: 'profile',
    });
    assert.equal(explainAwsError(foreign, 'x').kind, 'profile');
  });

  test('anything else keeps the service message on one line, and the detail has no request data', () => {
    const problem = explainAwsError(
      sdkError('ServerException', 'Something broke.\nstack...', 500),
      'batch:DescribeJobQueues',
      aws,
    );
    assert.equal(problem.kind, 'unknown');
    assert.equal(problem.message, 'batch:DescribeJobQueues failed: Something broke.');
    assert.equal(problem.detail, 'batch:DescribeJobQueues: ServerException: Something broke');
  });
});
