// Runtime settings in aws-batch.json: the "runtime" section is checked, reaches run.json unchanged,
// the runtime's parser accepts it, and an environment variable of the same setting wins over it.
// BATCH_RUNNER_* names in "environment" are still refused, with the runtime's own tunables pointed
// at the "runtime" section.
import * as assert from 'node:assert/strict';
import { parseRunConfig } from '../../../src/config/runConfig';
import { buildRunSpec } from '../../../src/config/runSpec';
import { parseRunSpec } from '../../../src/runtime/runSpec';
import { readSettings, withRunSettings } from '../../../src/runtime/settings';

const base = { name: 'mc', jobQueue: 'q', results: { bucket: 'bucket-1' }, tasks: { command: ['x'], count: 2 } };
const config = (extra: object) => parseRunConfig(JSON.stringify({ ...base, ...extra }), 'f');

suite('runtime settings from aws-batch.json', () => {
  test('"runtime" reaches run.json, and the runtime reads it', () => {
    const runtime = {
      managerTimeoutSeconds: 120,
      heartbeatSeconds: 2,
      killGraceSeconds: 9,
      handshakeSeconds: 20,
      port: 7777,
    };
    const spec = buildRunSpec(config({ runtime }), 'r1');
    assert.deepEqual(spec.runtime, runtime);
    const parsed = parseRunSpec(JSON.parse(JSON.stringify(spec)));
    assert.deepEqual(parsed.runtime, runtime);
    assert.equal(buildRunSpec(config({}), 'r2').runtime, undefined, 'no section, nothing in run.json');
  });

  test('bad values and unknown keys are refused with the field named', () => {
    assert.throws(
      () => config({ runtime: { heartbeatSeconds: 0 } }),
      /"runtime.heartbeatSeconds" must be a whole number of seconds from 1 to 3600/,
    );
    assert.throws(() => config({ runtime: { port: 70000 } }), /"runtime.port" must be a port number from 1 to 65535/);
    assert.throws(
      () => config({ runtime: { heartbeat: 3 } }),
      /"runtime.heartbeat" is not a setting of aws-batch.json. Remove it; the settings are: managerTimeoutSeconds, heartbeatSeconds/,
    );
    assert.throws(() => config({ runtime: 5 }), /"runtime" must be an object/);
    assert.throws(() => parseRunSpec({ name: 'a', runtimeX: 1 }), /runtimeX is not a known setting/);
    assert.throws(
      () =>
        parseRunSpec({
          name: 'a',
          runId: 'b',
          workers: 1,
          tasks: { command: ['x'], count: 1 },
          runtime: { killGraceSeconds: -1 },
        }),
      /runtime.killGraceSeconds must be a number of seconds above 0/,
    );
  });

  test('BATCH_RUNNER_* in "environment": tunables point at "runtime", the names the product sets stay refused', () => {
    assert.throws(
      () => config({ environment: { BATCH_RUNNER_MANAGER_TIMEOUT_SECONDS: '120' } }),
      /the runtime's settings go in the "runtime" section: write "runtime": \{ "managerTimeoutSeconds": 60 \}/,
    );
    assert.throws(() => config({ environment: { BATCH_RUNNER_PORT: '1' } }), /"runtime": \{ "port": 7777 \}/);
    assert.throws(
      () => config({ environment: { BATCH_RUNNER_RUN_URI: 'x' } }),
      /names starting with AWS_BATCH_ or BATCH_RUNNER_ are set by AWS Batch and the runner; rename it/,
    );
  });

  test('run.json sets what the environment does not; the environment wins', () => {
    const defaults = readSettings({});
    const runtime = {
      managerTimeoutSeconds: 120,
      heartbeatSeconds: 2.5,
      killGraceSeconds: 9,
      handshakeSeconds: 20,
      port: 7777,
    };
    const fromRun = withRunSettings(defaults, runtime, {});
    assert.equal(fromRun.managerTimeoutMs, 120_000);
    assert.equal(fromRun.heartbeatMs, 2500);
    assert.equal(fromRun.killGraceMs, 9000);
    assert.equal(fromRun.handshakeMs, 20_000);
    assert.equal(fromRun.port, 7777);
    const env = { BATCH_RUNNER_HEARTBEAT_SECONDS: '1', BATCH_RUNNER_PORT: '0' };
    const both = withRunSettings(readSettings(env), runtime, env);
    assert.equal(both.heartbeatMs, 1000);
    assert.equal(both.port, 0);
    assert.equal(both.killGraceMs, 9000);
    assert.deepEqual(withRunSettings(defaults, undefined, {}), defaults);
  });
});
