import * as assert from 'node:assert/strict';
import { formatS3Uri, lastSegment, parseS3Uri } from '../../src/results/s3Uri';

suite('S3 URIs', () => {
  test('parses a run URI and names the run', () => {
    const location = parseS3Uri('s3://batch-runner-results/runs/abc123/');
    assert.deepEqual(location, { bucket: 'batch-runner-results', prefix: 'runs/abc123/' });
    assert.equal(lastSegment(location), 'abc123');
    assert.equal(formatS3Uri(location), 's3://batch-runner-results/runs/abc123/');
    assert.deepEqual(parseS3Uri('s3://bucket/runs/x'), { bucket: 'bucket', prefix: 'runs/x/' });
    assert.deepEqual(parseS3Uri('s3://bucket'), { bucket: 'bucket', prefix: '' });
  });

  test('refuses what is not an S3 URI', () => {
    assert.throws(() => parseS3Uri('https://bucket/x'), /not an S3 URI/);
    assert.throws(() => parseS3Uri('s3://Bad_Bucket/x'), /not a valid S3 bucket/);
  });
});
