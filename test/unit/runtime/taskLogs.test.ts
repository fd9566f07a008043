import * as assert from 'node:assert/strict';
import { whatToDo } from '../../../src/runtime/main';
import { ByteTail } from '../../../src/runtime/worker/lines';

suite('runtime: what a task printed, and what to do when the environment is wrong', () => {
  test('ByteTail keeps the end of a long output and says how much was cut', () => {
    const tail = new ByteTail(10);
    assert.equal(tail.empty, true);
    tail.add('hello ');
    tail.add(Buffer.from('world'));
    assert.equal(tail.text().toString(), "[the first 1 bytes are cut; the job's log has them]\nello world");
    const short = new ByteTail(100);
    short.add('a\nb\n');
    assert.equal(short.text().toString(), 'a\nb\n', 'short output is kept as it is');
    const many = new ByteTail(4);
    for (const part of ['aa', 'bb', 'cc', 'dd']) many.add(part);
    assert.equal(many.text().toString(), "[the first 4 bytes are cut; the job's log has them]\nccdd");
  });

  test('an environment problem names what to set and where, in aws-batch.json’s words', () => {
    assert.match(
      whatToDo('cannot read run.json from s3://b/r/: Region is missing'),
      /AWS_REGION in aws-batch.json "environment"/,
    );
    assert.match(whatToDo('Could not load credentials from any providers'), /"jobRoleArn"/);
    assert.match(whatToDo('AccessDenied: Access Denied'), /s3:GetObject/);
    assert.match(whatToDo('getaddrinfo ENOTFOUND moto'), /AWS_ENDPOINT_URL/);
    assert.match(whatToDo('--workers must be a whole number'), /node runtime.js --help/);
  });
});
