import * as assert from 'node:assert/strict';
import { consoleUrl, s3ConsoleUrl } from '../../src/aws/console';

suite('consoleUrl', () => {
  test('uses the partition of the region', () => {
    assert.equal(
      consoleUrl('eu-west-1', 'queues'),
      'https://eu-west-1.console.aws.amazon.com/batch/home?region=eu-west-1#queues',
    );
    assert.match(consoleUrl('cn-north-1', 'queues'), /^https:\/\/console\.amazonaws\.cn\//);
    assert.match(consoleUrl('us-gov-west-1', 'jobs'), /^https:\/\/console\.amazonaws-us-gov\.com\/.*#jobs$/);
  });

  test('the S3 console opens a run folder', () => {
    assert.equal(
      s3ConsoleUrl('eu-west-1', 'my-results', 'runs/sim-20260301-120000-ab12/'),
      'https://s3.console.aws.amazon.com/s3/buckets/my-results?prefix=runs%2Fsim-20260301-120000-ab12%2F&region=eu-west-1',
    );
    assert.match(s3ConsoleUrl('cn-north-1', 'b-cn', 'x/'), /^https:\/\/console\.amazonaws\.cn\/s3\/buckets\/b-cn\?/);
  });
});
