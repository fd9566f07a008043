import * as assert from 'node:assert/strict';
import { AwsTargetError, describeTarget, resolveAwsTarget, SharedProfiles } from '../../src/aws/target';

const files: SharedProfiles = {
  config: { default: { region: 'eu-west-1' }, research: { region: 'us-west-2', sso_session: 'corp' }, bare: {} },
  credentials: { keysonly: { aws_access_key_id: 'x' } },
};

suite('resolveAwsTarget', () => {
  test('settings win over the environment, which wins over the profile', () => {
    const target = resolveAwsTarget(
      { profile: 'research', region: 'ap-south-1' },
      { AWS_PROFILE: 'default', AWS_REGION: 'us-east-2' },
      files,
    );
    assert.equal(target.profile, 'research');
    assert.equal(target.profileSource, 'setting');
    assert.equal(target.region, 'ap-south-1');
    assert.equal(target.regionSource, 'setting');
  });

  test('AWS_PROFILE and AWS_REGION are used when the settings are empty', () => {
    const target = resolveAwsTarget(
      { profile: ' ', region: '' },
      { AWS_PROFILE: 'research', AWS_REGION: 'us-east-2' },
      files,
    );
    assert.equal(target.profile, 'research');
    assert.equal(target.profileSource, 'environment');
    assert.equal(target.region, 'us-east-2');
  });

  test("the profile's region is the last resort", () => {
    assert.equal(resolveAwsTarget({ profile: 'research' }, {}, files).region, 'us-west-2');
    const fallback = resolveAwsTarget({}, {}, files);
    assert.equal(fallback.profile, undefined);
    assert.equal(fallback.region, 'eu-west-1');
    assert.equal(fallback.regionSource, 'profile');
  });

  test('a profile that exists only in the credentials file is accepted', () => {
    assert.equal(resolveAwsTarget({ profile: 'keysonly', region: 'us-east-1' }, {}, files).profile, 'keysonly');
  });

  test('an unknown profile names itself and the fix', () => {
    assert.throws(
      () => resolveAwsTarget({ profile: 'nope' }, { AWS_REGION: 'us-east-1' }, files),
      (error: unknown) =>
        error instanceof AwsTargetError &&
        error.kind === 'profile' &&
        /"nope"/.test(error.message) &&
        /aws configure --profile nope/.test(error.message),
    );
  });

  test('a missing or malformed region is refused with the place to fix it', () => {
    assert.throws(
      () => resolveAwsTarget({ profile: 'bare' }, {}, files),
      (e: unknown) => e instanceof AwsTargetError && e.kind === 'region',
    );
    assert.throws(
      () => resolveAwsTarget({ region: 'Frankfurt' }, {}, files),
      (e: unknown) => e instanceof AwsTargetError && /awsBatch\.region/.test(e.message),
    );
    assert.equal(resolveAwsTarget({ region: 'us-gov-west-1' }, {}, files).region, 'us-gov-west-1');
  });

  test('endpoint from the setting, else AWS_ENDPOINT_URL; a non-URL is refused', () => {
    assert.equal(
      resolveAwsTarget({ region: 'us-east-1' }, { AWS_ENDPOINT_URL: 'http://127.0.0.1:5001' }, files).endpoint,
      'http://127.0.0.1:5001',
    );
    assert.equal(
      resolveAwsTarget(
        { region: 'us-east-1', endpointUrl: 'https://vpce.example' },
        { AWS_ENDPOINT_URL: 'http://x' },
        files,
      ).endpoint,
      'https://vpce.example',
    );
    assert.throws(
      () => resolveAwsTarget({ region: 'us-east-1', endpointUrl: 'localhost:5001' }, {}, files),
      /http:\/\//,
    );
  });

  test('describeTarget calls out a custom endpoint', () => {
    assert.equal(describeTarget(resolveAwsTarget({ region: 'us-east-1' }, {}, files)), 'default (us-east-1)');
    assert.equal(
      describeTarget(resolveAwsTarget({ profile: 'research', endpointUrl: 'http://127.0.0.1:5001' }, {}, files)),
      'research (us-west-2) (custom endpoint)',
    );
  });
});
