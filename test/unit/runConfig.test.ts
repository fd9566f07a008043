import * as assert from 'node:assert/strict';
import {
  ConfigError,
  defaultRepository,
  defaultRunName,
  parseInputsFile,
  parseRunConfig,
  suggestKey,
} from '../../src/config/runConfig';

const minimal = {
  jobQueue: 'research-queue',
  results: { bucket: 'my-results' },
  tasks: { command: ['python', 'run.py', '${index}'], count: 10 },
};

function parse(value: unknown, folder = 'my project'): ReturnType<typeof parseRunConfig> {
  return parseRunConfig(typeof value === 'string' ? value : JSON.stringify(value, null, 2), folder);
}

function problem(value: unknown): ConfigError {
  try {
    parse(value);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('the configuration was accepted');
}

suite('aws-batch.json parsing', () => {
  test('a minimal file gets the defaults', () => {
    const config = parse(minimal);
    assert.equal(config.name, 'my-project');
    assert.equal(config.repository, 'my-project');
    assert.equal(config.dockerfile, 'Dockerfile');
    assert.equal(config.context, '.');
    assert.equal(config.platform, 'linux/amd64');
    assert.deepEqual(config.resources, { vcpus: 1, memory: 2048, gpus: 0 });
    assert.equal(config.workers, 1);
    assert.equal(config.launchTimeoutSeconds, 900);
    assert.deepEqual(config.results, { bucket: 'my-results', prefix: 'runs/' });
    assert.deepEqual(config.environment, {});
    assert.deepEqual(config.buildArgs, {});
    assert.deepEqual(config.tasks, { command: ['python', 'run.py', '${index}'], count: 10 });
    assert.equal(config.cluster, undefined);
  });

  test('comments and trailing commas are allowed, as in the design sketch', () => {
    const config = parse(`{
      // run name and job name prefix
      "name": "monte-carlo",
      "jobQueue": "research-queue", /* the queue */
      "results": { "bucket": "my-results", "prefix": "mc" },
      "workers": { "min": 2, "max": 8 },
      "cluster": { "manager": ["python", "main.py"], "worker": ["dask-worker"], },
    }`);
    assert.equal(config.name, 'monte-carlo');
    assert.equal(config.results.prefix, 'mc/');
    assert.deepEqual(config.workers, { min: 2, max: 8 });
    assert.deepEqual(config.cluster, { manager: ['python', 'main.py'], worker: ['dask-worker'] });
  });

  test('a syntax error names its line', () => {
    const error = problem('{\n  "jobQueue": "q",\n  "results" { }\n}');
    assert.equal(error.line, 3);
    assert.match(error.message, /^aws-batch\.json line 3: the file is not valid JSON/);
  });

  test('a misspelt setting is named with its line and the likely fix', () => {
    const error = problem({ ...minimal, jobqueue: 'x' });
    assert.equal(error.field, 'jobqueue');
    assert.match(error.message, /"jobqueue" is not a setting of aws-batch\.json\. Did you mean "jobQueue"\?/);
    assert.ok(error.line && error.line > 1);
    const nested = problem({ ...minimal, resources: { memroy: 4096 } });
    assert.match(nested.message, /"resources\.memroy" .* Did you mean "resources\.memory"\?/);
  });

  test('a wrong type names the field, the expected value and what was given', () => {
    const error = problem({ ...minimal, resources: { memory: '2GB' } });
    assert.equal(error.field, 'resources.memory');
    assert.match(error.message, /"resources\.memory" must be a whole number of MiB/);
    assert.match(error.message, /\(it is "2GB"\)/);
    const text = JSON.stringify({ ...minimal, resources: { memory: '2GB' } }, null, 2);
    const line = text.split('\n').findIndex((l) => l.includes('"memory"')) + 1;
    assert.equal(error.line, line);
  });

  test('missing essentials say what to add', () => {
    assert.match(
      problem({ results: minimal.results, tasks: minimal.tasks }).message,
      /"jobQueue" is missing.*Create Run Configuration/,
    );
    assert.match(problem({ jobQueue: 'q', tasks: minimal.tasks }).message, /"results" is missing/);
    assert.match(problem({ jobQueue: 'q', results: minimal.results }).message, /add "tasks".*or "cluster"/);
    assert.match(
      problem({ ...minimal, cluster: { manager: ['a'], worker: ['b'] } }).message,
      /Give "tasks" or "cluster", not both/,
    );
    assert.match(
      problem({ ...minimal, tasks: { command: ['x'] } }).message,
      /"count" \(a number\), "inputs".*"inputsFile"/,
    );
    assert.match(
      problem({ ...minimal, tasks: { command: ['x'], count: 2, inputs: [1] } }).message,
      /"count" and "inputs"; keep only one/,
    );
  });

  test('commands must be arrays of strings', () => {
    const error = problem({ ...minimal, tasks: { command: 'python run.py', count: 1 } });
    assert.equal(error.field, 'tasks.command');
    assert.match(error.message, /array of strings/);
  });

  test('AWS names are checked before any call', () => {
    assert.match(problem({ ...minimal, results: { bucket: 's3://my-results' } }).message, /not a URL or path/);
    assert.match(problem({ ...minimal, repository: 'My_Repo' }).message, /ECR repository name/);
    assert.match(problem({ ...minimal, name: 'has space' }).message, /"name" must be/);
    assert.match(problem({ ...minimal, jobRoleArn: 'batch-role' }).message, /IAM role ARN/);
    assert.match(problem({ ...minimal, platform: 'linux/386' }).message, /linux\/amd64.*linux\/arm64/);
  });

  test('environment: variable names only, and none that AWS Batch or the runner set', () => {
    assert.equal(parse({ ...minimal, environment: { SEED: '42' } }).environment.SEED, '42');
    assert.match(problem({ ...minimal, environment: { '1X': 'a' } }).message, /not a variable name/);
    assert.match(
      problem({ ...minimal, environment: { BATCH_RUNNER_RUN_URI: 'x' } }).message,
      /set by AWS Batch and the runner/,
    );
    assert.match(
      problem({ ...minimal, environment: { SEED: 42 } }).message,
      /"environment\.SEED" must be a string; write "42"/,
    );
  });

  test('cluster.minWorkers cannot exceed workers', () => {
    const error = problem({
      jobQueue: 'q',
      results: minimal.results,
      workers: 2,
      cluster: { manager: ['m'], worker: ['w'], minWorkers: 3 },
    });
    assert.match(error.message, /"cluster\.minWorkers" \(3\) is more than "workers" \(2\)/);
  });

  test("cluster.workerPort and cluster.ready: the worker's port and when a worker counts as ready", () => {
    const cluster = (extra: object) => ({
      jobQueue: 'q',
      results: minimal.results,
      cluster: { manager: ['mpirun', 'hostname'], worker: ['w'], ...extra },
    });
    assert.deepEqual(parse(cluster({ workerPort: 9009, ready: 'port' })).cluster, {
      manager: ['mpirun', 'hostname'],
      worker: ['w'],
      workerPort: 9009,
      ready: 'port',
    });
    assert.equal(parse(cluster({ ready: 'file' })).cluster?.ready, 'file');
    assert.match(
      problem(cluster({ workerPort: 70000 })).message,
      /"cluster\.workerPort" must be a port number from 1 to 65535 \(it is 70000\)/,
    );
    assert.match(problem(cluster({ workerPort: '22' })).message, /"cluster\.workerPort" must be a port number/);
    assert.match(problem(cluster({ ready: 'up' })).message, /"cluster\.ready" must be "port" .*"file" .*"spawned"/);
    assert.match(problem(cluster({ ready: 'port' })).message, /needs "cluster\.workerPort"/);
  });

  test('the results prefix is normalised to a folder', () => {
    assert.equal(parse({ ...minimal, results: { bucket: 'b-1', prefix: '/a/b' } }).results.prefix, 'a/b/');
    assert.equal(parse({ ...minimal, results: { bucket: 'b-1', prefix: '' } }).results.prefix, '');
    assert.match(problem({ ...minimal, results: { bucket: 'b-1', prefix: 'a/../b' } }).message, /"\." or "\.\."/);
  });

  test('fargate: the execution role, with defaults for the public IP and the platform version', () => {
    const role = 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole';
    assert.equal(parse(minimal).fargate, undefined);
    assert.deepEqual(parse({ ...minimal, fargate: { executionRoleArn: role } }).fargate, {
      executionRoleArn: role,
      assignPublicIp: false,
      platformVersion: 'LATEST',
    });
    assert.deepEqual(
      parse({ ...minimal, fargate: { executionRoleArn: role, assignPublicIp: true, platformVersion: '1.4.0' } })
        .fargate,
      { executionRoleArn: role, assignPublicIp: true, platformVersion: '1.4.0' },
    );
  });

  test('fargate: a bad role, a misspelt key, a wrong type or a missing role names the field and the fix', () => {
    const role = 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole';
    const badRole = problem({ ...minimal, fargate: { executionRoleArn: 'ecsTaskExecutionRole' } });
    assert.equal(badRole.field, 'fargate.executionRoleArn');
    assert.match(badRole.message, /"fargate\.executionRoleArn" must be an IAM role ARN, such as "arn:aws:iam::/);
    assert.match(badRole.message, /\(it is "ecsTaskExecutionRole"\)/);

    const misspelt = problem({ ...minimal, fargate: { executionRoleArn: role, assignPublicIP: true } });
    assert.equal(misspelt.field, 'fargate.assignPublicIP');
    assert.match(misspelt.message, /Did you mean "fargate\.assignPublicIp"\?/);
    assert.match(problem({ ...minimal, fargte: {} }).message, /Did you mean "fargate"\?/);

    const type = problem({ ...minimal, fargate: { executionRoleArn: role, assignPublicIp: 'ENABLED' } });
    assert.equal(type.field, 'fargate.assignPublicIp');
    assert.match(type.message, /"fargate\.assignPublicIp" must be true .* or false \(it is "ENABLED"\)/);

    assert.match(problem({ ...minimal, fargate: {} }).message, /"fargate\.executionRoleArn" is missing/);
    assert.match(problem({ ...minimal, fargate: true }).message, /"fargate" must be an object/);
    assert.match(
      problem({ ...minimal, fargate: { executionRoleArn: role, platformVersion: 'newest' } }).message,
      /"fargate\.platformVersion" must be "LATEST" or a Fargate platform version/,
    );
  });

  test('inputs files: JSON Lines or a JSON array; a bad line is named', () => {
    assert.deepEqual(parseInputsFile('{"a":1}\n\n"two"\n3\n', 'inputs.jsonl'), [{ a: 1 }, 'two', 3]);
    assert.deepEqual(parseInputsFile('[1, 2]', 'inputs.json'), [1, 2]);
    assert.throws(() => parseInputsFile('{"a":1}\n{oops}\n', 'inputs.jsonl'), /line 2 is not JSON/);
    assert.throws(() => parseInputsFile('  \n', 'inputs.jsonl'), /is empty/);
  });

  test('default names and suggestions', () => {
    assert.equal(defaultRunName('Monte Carlo (v2)'), 'Monte-Carlo-v2');
    assert.equal(defaultRunName('***'), 'batch-run');
    assert.equal(defaultRepository('Monte_Carlo--v2'), 'monte-carlo-v2');
    assert.equal(defaultRepository('A'), 'a-runner');
    assert.equal(suggestKey('jobqueue', ['jobQueue', 'name']), 'jobQueue');
    assert.equal(suggestKey('workrs', ['workers', 'name']), 'workers');
    assert.equal(suggestKey('completelyDifferent', ['workers', 'name']), undefined);
  });
});
