// Run Locally end to end on the real Docker engine: the image Submit builds, run as a manager and
// worker containers on a network of the run's own, the run folder in the workspace; compared with
// the same run on the stand-ins' Batch (moto); cancel, smoke runs and bad input leave nothing behind.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { loadRunConfig } from '../../src/config/loadConfig';
import type { RunSummary } from '../../src/runtime/runFiles';
import { SubmitError } from '../../src/shared/errors';
import { type LocalLogSource, type LocalRun, type LocalRunOptions, runLocally } from '../../src/submit/localRun';
import { LOCAL_LABELS } from '../../src/submit/localSpec';
import {
  BUCKET,
  QUEUE,
  STAND_IN_ENV,
  TERMINAL,
  type TestClients,
  cleanUp,
  clients,
  configFile,
  makeWorkspace,
  newCacheDir,
  pipeline,
  removeTempDirs,
  requireStandIns,
  runResults,
  runtimePath,
  suffix,
  waitForJob,
} from './submitFixture';

const PYTHON_IMAGE = process.env.BATCH_RUNNER_PYTHON_IMAGE ?? 'local/python:3';
const NODE_IMAGE = process.env.BATCH_RUNNER_NODE_IMAGE ?? 'local/node:22';
const DEBIAN_IMAGE = 'local/debian:bookworm';

/** Each task prints what Batch told it and writes an output.json, gathered into results.jsonl. */
const TASK_PY = `import json, os
i = int(os.environ["TASK_INDEX"])
names = ["AWS_BATCH_JOB_ID", "AWS_BATCH_JOB_ARRAY_INDEX", "AWS_BATCH_JQ_NAME", "AWS_BATCH_CE_NAME", "AWS_BATCH_JOB_ATTEMPT"]
print("task %d env %s" % (i, " ".join("%s=%s" % (n, os.environ.get(n, "")) for n in names)), flush=True)
with open(os.path.join(os.environ["TASK_OUTPUT_DIR"], "output.json"), "w") as f:
    json.dump({"square": i * i, "seed": os.environ.get("SEED")}, f)
`;

interface Line {
  source: LocalLogSource;
  line: string;
}

suite('Run Locally: manager and worker containers on the local Docker engine', function () {
  this.timeout(240_000);
  const id = suffix();
  const docker = new Docker();
  const cacheDir = newCacheDir();
  const repositories: string[] = [];
  const runIds: string[] = [];
  const moto = { names: [] as string[], repositories: [] as string[], jobs: [] as { id: string; name: string }[] };
  let aws: TestClients | undefined;

  function workspace(key: string, files: Record<string, string>, config: Record<string, unknown>): string {
    const repository = `local-run-it-${key}-${id}`;
    repositories.push(repository);
    return makeWorkspace({
      ...files,
      'aws-batch.json': configFile({
        name: `lr-${key}-${id}`,
        repository,
        jobQueue: QUEUE,
        results: { bucket: BUCKET },
        ...config,
      }),
    });
  }

  async function start(dir: string, extra: Partial<LocalRunOptions> = {}): Promise<{ run: LocalRun; lines: Line[] }> {
    const lines: Line[] = [];
    const run = await runLocally({
      docker,
      loaded: await loadRunConfig(dir),
      runtimePath,
      runtimeNodeImage: NODE_IMAGE,
      cacheDir,
      log: (line, source) => lines.push({ source, line }),
      ...extra,
    });
    runIds.push(run.runId);
    return { run, lines };
  }

  /** What the engine still has of a run: containers and networks with its run-id label. */
  async function leftovers(runId: string): Promise<{ containers: string[]; networks: string[] }> {
    const filters = { label: [`${LOCAL_LABELS.runId}=${runId}`] };
    return {
      containers: (await docker.listContainers({ all: true, filters })).map((c) => c.Names.join(',')),
      networks: (await docker.listNetworks({ filters })).map((n) => n.Name),
    };
  }

  function results(runDir: string): unknown[] {
    return readFileSync(join(runDir, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
  }

  function transcript(lines: Line[]): string {
    return lines.map(({ source, line }) => `[${source}] ${line}`).join('\n');
  }

  async function waitFor(lines: Line[], what: string, test: (line: Line) => boolean, ms = 60_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!lines.some(test)) {
      assert.ok(Date.now() < deadline, `no ${what} within ${ms / 1000} s:\n${transcript(lines)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function failure(operation: Promise<unknown>): Promise<SubmitError> {
    const error = await operation.then(
      () => assert.fail('the local run started'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof SubmitError, `expected a SubmitError, got ${String(error)}`);
    return error;
  }

  suiteTeardown(async () => {
    for (const runId of runIds) {
      const filters = { label: [`${LOCAL_LABELS.runId}=${runId}`] };
      for (const c of await docker.listContainers({ all: true, filters }).catch(() => []))
        await docker
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch(() => undefined);
      for (const n of await docker.listNetworks({ filters }).catch(() => []))
        await docker
          .getNetwork(n.Id)
          .remove()
          .catch(() => undefined);
    }
    for (const repository of repositories) {
      const images = await docker.listImages({ filters: { reference: [`batch-runner-local/${repository}`] } });
      for (const image of images)
        for (const tag of image.RepoTags ?? [])
          await docker
            .getImage(tag)
            .remove()
            .catch(() => undefined);
    }
    if (aws) await cleanUp(aws, docker, moto);
    aws?.destroy();
    removeTempDirs();
  });

  let pythonWorkspace: string;
  let localResults: unknown[];

  test('a Python run of 6 tasks on 2 workers: results in index order, a succeeded summary, merged logs, nothing left', async () => {
    pythonWorkspace = workspace(
      'py',
      { Dockerfile: `FROM ${PYTHON_IMAGE}\nCOPY task.py /app/task.py\n`, 'task.py': TASK_PY },
      { workers: 2, environment: { SEED: '42' }, tasks: { command: ['python3', '/app/task.py'], count: 6 } },
    );
    const { run, lines } = await start(pythonWorkspace);
    assert.equal(run.workers, 2);
    assert.equal(run.runDir, join(pythonWorkspace, '.batch-runner', 'runs', run.runId));
    assert.equal(fileURLToPath(run.runUri), run.runDir + '/');
    assert.match(run.image.ref, new RegExp(`^batch-runner-local/local-run-it-py-${id}:[0-9a-f]{16}$`));
    assert.equal(run.containers().length, 3);
    const result = await run.done;

    const log = transcript(lines);
    assert.equal(result.exitCode, 0, log);
    assert.equal(result.summary?.status, 'succeeded', log);
    assert.equal(result.summary?.tasks?.succeeded, 6);
    assert.deepEqual(result.workers, [
      { index: 0, exitCode: 0 },
      { index: 1, exitCode: 0 },
    ]);
    localResults = results(run.runDir);
    assert.deepEqual(
      localResults,
      [0, 1, 2, 3, 4, 5].map((index) => ({ index, output: { square: index * index, seed: '42' } })),
    );
    // The run folder has the layout of the run's S3 prefix; the secret is the user's alone.
    for (const file of ['run.json', 'progress.json', 'summary.json', 'results.jsonl', 'secret'])
      assert.ok(existsSync(join(run.runDir, file)), `${file} in the run folder`);
    assert.equal(statSync(join(run.runDir, 'secret')).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(join(run.runDir, 'tasks')).sort(), ['0', '1', '2', '3', '4', '5']);
    assert.equal(
      readFileSync(join(pythonWorkspace, '.batch-runner', '.gitignore'), 'utf8')
        .split('\n')
        .includes('*'),
      true,
    );

    // One stream of lines, each from the manager or a worker, as in the merged log of a Batch run.
    const sources = new Set(lines.map((line) => line.source));
    for (const source of ['setup', 'manager', 'worker 0', 'worker 1'] as const) assert.ok(sources.has(source), log);
    assert.ok(
      lines.some((l) => l.source === 'manager' && /\[manager\] run .* succeeded/.test(l.line)),
      log,
    );
    // The runtime's files mounted into the containers include the spawn helper, and the workers use it.
    for (const worker of ['worker 0', 'worker 1']) {
      assert.ok(
        lines.some((l) => l.source === worker && /tasks start through the spawn helper/.test(l.line)),
        log,
      );
    }
    // Each task saw the environment AWS Batch gives an array child.
    const env = lines.find((l) => /^\[task 3\] task 3 env /.test(l.line));
    assert.ok(env, log);
    const worker = Number(env.source.split(' ')[1]);
    assert.match(
      env.line,
      new RegExp(
        `AWS_BATCH_JOB_ID=local-${run.runId}-workers:${worker} AWS_BATCH_JOB_ARRAY_INDEX=${worker} ` +
          'AWS_BATCH_JQ_NAME=local AWS_BATCH_CE_NAME=local AWS_BATCH_JOB_ATTEMPT=1',
      ),
    );
    assert.deepEqual(run.containers(), []);
    assert.deepEqual(await leftovers(run.runId), { containers: [], networks: [] });
  });

  test('the same run on the stand-ins (Submit to Batch on moto) gives the same results.jsonl', async function () {
    assert.ok(localResults, 'the local run above ran');
    requireStandIns();
    aws = await clients();
    // The Batch run's containers need the stand-in's endpoint and credentials; the local one did not.
    const config = JSON.parse(readFileSync(join(pythonWorkspace, 'aws-batch.json'), 'utf8')) as {
      name: string;
      repository: string;
      environment: Record<string, string>;
    };
    config.environment = { ...config.environment, ...STAND_IN_ENV };
    writeFileSync(join(pythonWorkspace, 'aws-batch.json'), configFile(config));
    moto.names.push(config.name);
    moto.repositories.push(config.repository);
    const submitted = await pipeline(aws, { cacheDir }).submit(await loadRunConfig(pythonWorkspace));
    moto.jobs.push({ id: submitted.jobId, name: submitted.jobName });
    const job = await waitForJob(aws, submitted.jobId, TERMINAL, 180_000);
    assert.equal(job.status, 'SUCCEEDED', job.statusReason);
    assert.deepEqual(await runResults(aws, submitted.runId), localResults);
  });

  test('Cancel stops the manager (a cancelled summary), then the workers, and removes every container and the network', async () => {
    const dir = workspace(
      'cancel',
      // An anonymous volume of the image's own must go with its container.
      { Dockerfile: `FROM ${DEBIAN_IMAGE}\nVOLUME /scratch\n` },
      { workers: 2, resources: { vcpus: 0.5, memory: 256 }, tasks: { command: ['sleep', '600'], count: 4 } },
    );
    const { run, lines } = await start(dir);
    for (const index of [0, 1]) {
      await waitFor(
        lines,
        `worker ${index} connected`,
        (l) => l.source === `worker ${index}` && /connected to the manager/.test(l.line),
      );
    }
    // The containers as Docker has them: labels, limits, the run folder, the run network.
    const [manager, ...workers] = await Promise.all(run.containers().map((c) => docker.getContainer(c).inspect()));
    assert.equal(workers.length, 2);
    for (const [i, info] of [manager, ...workers].entries()) {
      assert.equal(info.Config.Labels[LOCAL_LABELS.runId], run.runId);
      assert.equal(info.Config.Labels[LOCAL_LABELS.role], i === 0 ? 'manager' : 'worker');
      assert.equal(info.HostConfig.NanoCpus, 0.5e9);
      assert.equal(info.HostConfig.Memory, 256 * 1024 * 1024);
      assert.ok(
        info.Mounts.some((m) => m.Type === 'bind' && m.Source === run.runDir && m.Destination === '/batch-runner/run'),
        JSON.stringify(info.Mounts),
      );
      assert.deepEqual(Object.keys(info.NetworkSettings.Networks), [`batch-runner-${run.runId}`]);
    }
    const volumes = [manager, ...workers].flatMap((info) =>
      info.Mounts.filter((m) => m.Type === 'volume').map((m) => m.Name ?? ''),
    );
    assert.equal(volumes.length, 3, 'each container has its anonymous /scratch volume');
    const env = Object.fromEntries(workers[1].Config.Env.map((e) => e.split(/=(.*)/s).slice(0, 2)));
    assert.equal(env.AWS_BATCH_JOB_ARRAY_INDEX, '1');
    assert.equal(env.BATCH_RUNNER_RUN_URI, '/batch-runner/run');

    const started = Date.now();
    await run.cancel();
    await run.cancel(); // idempotent
    const result = await run.done;
    assert.ok(Date.now() - started < 40_000, `cancel took ${(Date.now() - started) / 1000} s`);
    assert.equal(result.cancelled, true);
    assert.equal(result.summary?.status, 'cancelled', transcript(lines));
    const summary = JSON.parse(readFileSync(join(run.runDir, 'summary.json'), 'utf8')) as RunSummary;
    assert.equal(summary.status, 'cancelled');
    assert.match(summary.reason ?? '', /SIGTERM/);
    assert.deepEqual(await leftovers(run.runId), { containers: [], networks: [] });
    const left = (await docker.listVolumes()).Volumes?.map((v) => v.Name) ?? [];
    assert.deepEqual(
      volumes.filter((v) => left.includes(v)),
      [],
      'no volume of the run is left',
    );
  });

  test('the abort signal: during the build, "Cancelled." and nothing written; once running, the same as Cancel', async () => {
    const dir = workspace(
      'abort',
      { Dockerfile: `FROM ${DEBIAN_IMAGE}\nRUN sleep 30\n` },
      { workers: 1, tasks: { command: ['sleep', '600'], count: 2 } },
    );
    const early = new AbortController();
    const building = start(dir, {
      signal: early.signal,
      log: (line) => {
        if (/^Step 2\/2|^#\d+ \[(?:\S+ )?2\/2\] RUN/.test(line)) early.abort();
      },
    });
    const stopped = await failure(building);
    assert.equal(stopped.kind, 'cancelled');
    assert.equal(existsSync(join(dir, '.batch-runner')), false);

    writeFileSync(join(dir, 'Dockerfile'), `FROM ${DEBIAN_IMAGE}\n`);
    const later = new AbortController();
    const { run, lines } = await start(dir, { signal: later.signal });
    await waitFor(
      lines,
      'worker 0 connected',
      (l) => l.source === 'worker 0' && /connected to the manager/.test(l.line),
    );
    later.abort();
    const result = await run.done;
    assert.equal(result.cancelled, true);
    assert.equal(result.summary?.status, 'cancelled', transcript(lines));
    assert.deepEqual(await leftovers(run.runId), { containers: [], networks: [] });
  });

  test('a smoke run of K=2 runs only tasks 0 and 1', async () => {
    const dir = workspace(
      'smoke',
      { Dockerfile: `FROM ${DEBIAN_IMAGE}\n` },
      {
        workers: 4,
        tasks: { command: ['sh', '-c', 'echo "{\\"i\\": $TASK_INDEX}" > "$TASK_OUTPUT_DIR/output.json"'], count: 6 },
      },
    );
    const { run, lines } = await start(dir, { smoke: 2 });
    assert.equal(run.workers, 2, 'no more workers than tasks');
    const result = await run.done;
    assert.equal(result.summary?.status, 'succeeded', transcript(lines));
    assert.equal(result.summary?.tasks?.total, 2);
    assert.deepEqual(results(run.runDir), [
      { index: 0, output: { i: 0 } },
      { index: 1, output: { i: 1 } },
    ]);
    assert.deepEqual(readdirSync(join(run.runDir, 'tasks')).sort(), ['0', '1']);
    const spec = JSON.parse(readFileSync(join(run.runDir, 'run.json'), 'utf8')) as { tasks: { indexes: number[] } };
    assert.deepEqual(spec.tasks.indexes, [0, 1]);
    assert.deepEqual(await leftovers(run.runId), { containers: [], networks: [] });
  });

  test('a task command that is not in the image: a failed run with that reason (exit code 127), nothing left', async () => {
    const dir = workspace(
      'missing',
      { Dockerfile: `FROM ${DEBIAN_IMAGE}\n` },
      { workers: 1, tasks: { command: ['simulate-that-is-not-there', '${index}'], count: 2 } },
    );
    const { run, lines } = await start(dir);
    const result = await run.done;
    assert.notEqual(result.exitCode, 0);
    assert.equal(result.summary?.status, 'failed', transcript(lines));
    const failures = result.summary?.failures ?? [];
    assert.deepEqual(
      failures.map((f) => [f.index, f.exitCode]),
      [
        [0, 127],
        [1, 127],
      ],
    );
    assert.match(failures[0].reason ?? '', /simulate-that-is-not-there/);
    assert.deepEqual(result.workers, [{ index: 0, exitCode: 0 }]);
    assert.deepEqual(await leftovers(run.runId), { containers: [], networks: [] });
  });

  test('an image that does not build, or a container Docker refuses: one message each, nothing left, no run folder', async () => {
    const broken = workspace(
      'nobuild',
      { Dockerfile: `FROM ${DEBIAN_IMAGE}\nRUN echo compiling && exit 3\n` },
      { tasks: { command: ['true'], count: 1 } },
    );
    const built = await failure(start(broken));
    assert.equal(built.kind, 'build');
    assert.match(built.message, /The Docker build failed at step 2\/2/);
    // "Open Dockerfile" opens the workspace's Dockerfile at the failing RUN.
    assert.deepEqual(built.fileLines, { path: join(broken, 'Dockerfile'), line: 2, endLine: 2 });
    assert.equal(existsSync(join(broken, '.batch-runner')), false);

    // 4 MiB is valid in aws-batch.json; Docker's minimum is 6 MB.
    const tiny = workspace(
      'tiny',
      { Dockerfile: `FROM ${DEBIAN_IMAGE}\n` },
      { workers: 2, resources: { memory: 4 }, tasks: { command: ['true'], count: 2 } },
    );
    const before = await docker.listContainers({ all: true, filters: { label: [LOCAL_LABELS.runId] } });
    const refused = await failure(start(tiny));
    assert.equal(refused.kind, 'docker');
    assert.match(refused.message, /^The local run could not start the manager container: .*[Mm]inimum memory/);
    assert.deepEqual(readdirSync(join(tiny, '.batch-runner', 'runs')), [], 'the run folder is gone');
    const after = await docker.listContainers({ all: true, filters: { label: [LOCAL_LABELS.runId] } });
    const mine = after.filter(
      (c) => !before.some((b) => b.Id === c.Id) && c.Labels[LOCAL_LABELS.runId]?.startsWith(`lr-tiny-${id}`),
    );
    assert.deepEqual(mine, []);
    const networks = await docker.listNetworks({ filters: { label: [LOCAL_LABELS.runId] } });
    assert.deepEqual(
      networks.filter((n) => n.Name.startsWith(`batch-runner-lr-tiny-${id}`)).map((n) => n.Name),
      [],
    );
  });

  test('an engine on another machine: one message, before anything is asked of it, and nothing written', async () => {
    // A remote engine cannot be run here: a client for one whose every connection is refused on
    // this side (no packet leaves), so the test fails, without traffic, if Run Locally calls it.
    const remote = new Docker({ host: '192.0.2.10', port: 2376, protocol: 'http' });
    let dialed = 0;
    (remote.modem as { dial: (options: unknown, callback: (error: Error) => void) => void }).dial = (_, callback) => {
      dialed++;
      callback(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    };
    const dir = workspace(
      'remote',
      { Dockerfile: `FROM ${DEBIAN_IMAGE}\n` },
      { tasks: { command: ['true'], count: 1 } },
    );
    const error = await failure(
      runLocally({
        docker: remote,
        loaded: await loadRunConfig(dir),
        runtimePath,
        runtimeNodeImage: NODE_IMAGE,
        cacheDir,
      }),
    );
    assert.equal(error.kind, 'docker');
    assert.match(error.message, /the Docker engine at 192\.0\.2\.10:2376 is on another machine: it cannot see them/);
    assert.match(error.message, /DOCKER_HOST or the setting awsBatch\.docker\.host/);
    assert.equal(dialed, 0, 'the engine was not asked anything');
    assert.equal(existsSync(join(dir, '.batch-runner')), false);
  });

  test('no Docker engine: one message that says to start Docker or set DOCKER_HOST, and nothing written', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent';
    const noEngine = (() => {
      try {
        return new Docker();
      } finally {
        if (saved === undefined) delete process.env.DOCKER_HOST;
        else process.env.DOCKER_HOST = saved;
      }
    })();
    const dir = workspace(
      'noengine',
      { Dockerfile: `FROM ${DEBIAN_IMAGE}\n` },
      { tasks: { command: ['true'], count: 1 } },
    );
    const error = await failure(
      runLocally({
        docker: noEngine,
        loaded: await loadRunConfig(dir),
        runtimePath,
        runtimeNodeImage: NODE_IMAGE,
        cacheDir,
      }),
    );
    assert.equal(error.kind, 'docker');
    assert.match(error.message, /^Docker is not running or cannot be reached at \/nonexistent \(ENOENT\)\./);
    assert.match(error.message, /Docker Desktop/);
    assert.match(error.message, /DOCKER_HOST/);
    assert.equal(existsSync(join(dir, '.batch-runner')), false);
  });
});
