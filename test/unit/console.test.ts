import * as assert from 'node:assert/strict';
import { consoleUrl } from '../../src/aws/console';

suite('consoleUrl', () => {
  test('uses the partition of the region', () => {
    assert.equal(
      consoleUrl('eu-west-1', 'queues'),
      'https://eu-west-1.console.aws.amazon.com/batch/home?region=eu-west-1#queues',
    );
    assert.match(consoleUrl('cn-north-1', 'queues'), /^https:\/\/console\.amazonaws\.cn\//);
    assert.match(consoleUrl('us-gov-west-1', 'jobs'), /^https:\/\/console\.amazonaws-us-gov\.com\/.*#jobs$/);
  });
});
