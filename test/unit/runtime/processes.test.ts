import * as assert from 'node:assert/strict';
import { constants } from 'node:os';
import { describeOutcome, exitStatus, startCommand } from '../../../src/runtime/processes';

suite('runtime processes', () => {
  test('a command that is not there never ran: exit status 127, as a shell reports it, and a reason naming it', async () => {
    const running = startCommand(['batch-runner-no-such-command', '1'], {
      env: process.env,
      stdio: 'ignore',
      killGraceMs: 1000,
    });
    const outcome = await running.done;
    assert.equal(outcome.exitCode, 127);
    assert.equal(exitStatus(outcome, constants.signals), 127);
    assert.equal(describeOutcome(outcome), 'command not found: batch-runner-no-such-command');
  });
});
