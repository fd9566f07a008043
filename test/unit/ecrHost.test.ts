// ECR registry names in FROM lines, and what a refused pull from one says.
import * as assert from 'node:assert/strict';
import { deniedPullHint } from '../../src/docker/credentials';
import { parseEcrHost } from '../../src/docker/ecrHost';

suite('ECR registry hosts', () => {
  test('account and region of the ECR host forms; other registries are not ECR', () => {
    assert.deepEqual(parseEcrHost('111122223333.dkr.ecr.eu-west-1.amazonaws.com'), {
      host: '111122223333.dkr.ecr.eu-west-1.amazonaws.com',
      account: '111122223333',
      region: 'eu-west-1',
    });
    assert.equal(parseEcrHost('111122223333.dkr.ecr-fips.us-gov-west-1.amazonaws.com')?.region, 'us-gov-west-1');
    assert.equal(parseEcrHost('111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn')?.region, 'cn-north-1');
    assert.equal(parseEcrHost('111122223333.dkr-ecr.ap-south-1.on.aws')?.region, 'ap-south-1');
    for (const other of [
      'ghcr.io',
      'docker.io',
      '127.0.0.1:5000',
      'public.ecr.aws',
      '1111.dkr.ecr.eu-west-1.amazonaws.com',
      '111122223333.dkr.ecr.eu-west-1.amazonaws.com.evil.example',
    ]) {
      assert.equal(parseEcrHost(other), undefined, other);
    }
  });

  test('a refused pull from ECR names the registry, the IAM actions and the repository policy', () => {
    const host = '111122223333.dkr.ecr.eu-west-1.amazonaws.com';
    const hint = deniedPullHint(
      `failed to authorize: failed to fetch anonymous token: unexpected status: 401 Unauthorized (${host}/base:1)`,
      [host, 'docker.io'],
      '~/.docker/config.json',
    );
    assert.ok(hint);
    assert.match(
      hint,
      new RegExp(`^The ECR registry ${host.replace(/\./g, '\\.')} \\(account 111122223333, eu-west-1\\)`),
    );
    for (const words of ['ecr:GetAuthorizationToken', 'ecr:BatchGetImage', 'repository policy']) {
      assert.ok(hint.includes(words), words);
    }
    assert.doesNotMatch(hint, /docker login/);
  });
});
