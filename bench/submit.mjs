// npm run bench -- submit
// Submit to Batch of an unchanged workspace, against the same four steps done by hand with the docker
// CLI and the AWS CLI v2 (Debian's awscli at /usr/bin/aws): build, push (after `aws ecr
// get-login-password | docker login`), register-job-definition, submit-job; on the same stand-ins, in
// the same run, alternating. cold_s is the first Submit of a new workspace (new image content,
// repository and definition). Prints one JSON line on stdout (naming the peers and their versions);
// progress goes to stderr. Target: ratio <= 0.5. Needs the stand-ins: npm run bench starts them.
// "buildkit" in the line: a RUN --mount=type=cache Dockerfile, cold, warm (one source file changed)
// and unchanged, against DOCKER_BUILDKIT=1 docker build + push + the AWS CLI (bench/lib/submitBuildKit.mjs);
// targets warm_ratio <= 0.8, unchanged_ratio <= 0.1; with the load average (the machine may be shared).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { standInEndpoint } from './lib/common.mjs';
import { awsCliPeer, dockerPeer, motoStandIn } from './lib/peers.mjs';
import { cliSubmit } from './lib/cliSubmit.mjs';
import { buildKitSubmit } from './lib/submitBuildKit.mjs';

const root = new URL('..', import.meta.url).pathname;
const runs = Number(process.env.BENCH_RUNS || 3);
const say = (message) => process.stderr.write(`bench submit: ${message}\n`);
const quiet = { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] };

const endpoint = standInEndpoint();
const registry = process.env.BATCH_RUNNER_REGISTRY;
if (!registry) throw new Error('BATCH_RUNNER_REGISTRY is not set: eval "$(bash scripts/backend.sh env)"');
const awsCli = awsCliPeer();
const AWS_CLI = awsCli.path;

execFileSync('npm', ['run', '--silent', 'build'], quiet);
execFileSync('npm', ['run', '--silent', 'compile-tests'], quiet);
const require = createRequire(join(root, 'out', 'index.js'));
const Docker = require('dockerode');
const { createAwsClients } = require('./src/aws/clients.js');
const { loadRunConfig } = require('./src/config/loadConfig.js');
const { SubmitPipeline } = require('./src/submit/pipeline.js');

const id = `${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
const name = `bench-${id}`;
const repository = `bench-submit-${id}`;
const cliName = `${name}-cli`;
const work = mkdtempSync(join(tmpdir(), 'bench-submit-'));
const workspace = join(work, 'workspace');
const dockerConfig = join(work, 'docker-config');
const cacheDir = join(work, 'cache');
mkdirSync(join(workspace, 'src'), { recursive: true });
mkdirSync(dockerConfig);
writeFileSync(
  join(workspace, 'Dockerfile'),
  'FROM local/debian:bookworm\nWORKDIR /app\nCOPY src/ /app/src/\nRUN echo built > /app/built.txt\n',
);
writeFileSync(join(workspace, '.dockerignore'), '*.log\n');
writeFileSync(join(workspace, 'src', 'simulate.sh'), `echo "task $TASK_INDEX"\n# ${id}\n`);
for (let i = 0; i < 50; i++) writeFileSync(join(workspace, 'src', `data-${i}.txt`), `${i}\n`.repeat(200));
writeFileSync(
  join(workspace, 'aws-batch.json'),
  JSON.stringify({
    name,
    repository,
    jobQueue: 'research-queue',
    results: { bucket: 'batch-runner-results' },
    tasks: { command: ['sh', '/app/src/simulate.sh'], count: 4 },
  }),
);

const aws = await createAwsClients({});
const docker = new Docker();
const jobs = [];

async function ours(dir = workspace) {
  const lines = [];
  const pipeline = new SubmitPipeline({
    aws,
    docker,
    registryHost: registry,
    runtimeNodeImage: process.env.BATCH_RUNNER_NODE_IMAGE || 'local/node:22',
    runtimePath: join(root, 'dist', 'runtime.js'),
    cacheDir,
    log: (line) => lines.push(line),
  });
  const started = performance.now();
  const result = await pipeline.submit(await loadRunConfig(dir));
  const seconds = (performance.now() - started) / 1000;
  jobs.push(result.jobId);
  return { seconds, result, lines };
}

function run(command, args, options = {}) {
  const out = spawnSync(command, args, {
    encoding: 'utf8',
    env: { ...process.env, DOCKER_CONFIG: dockerConfig, AWS_PAGER: '' },
    ...options,
  });
  if (out.status !== 0) throw new Error(`${command} ${args.slice(0, 3).join(' ')} failed: ${out.stderr}`);
  return out.stdout;
}

const cliImage = `${registry}/${repository}:cli`;
const containerProperties = JSON.stringify({
  image: cliImage,
  command: ['sh', '/app/src/simulate.sh'],
  resourceRequirements: [
    { type: 'VCPU', value: '1' },
    { type: 'MEMORY', value: '2048' },
  ],
});

/** What a user types today: build, sign in and push, register, submit. The password goes through stdin. */
function cli() {
  const started = performance.now();
  const jobId = cliSubmit({
    run,
    docker: 'docker',
    awsCli: AWS_CLI,
    endpoint,
    registry,
    image: cliImage,
    context: workspace,
    definitionName: cliName,
    containerProperties,
    jobName: `${cliName}-${jobs.length}`,
  });
  jobs.push(jobId);
  return (performance.now() - started) / 1000;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const round = (value) => Number(value.toFixed(3));
let output;
// What the BuildKit half made, for the clean-up below.
let buildKitMade = { definitions: [], repositories: [], runPrefixes: [] };
try {
  say('cold Submit of a new workspace');
  const cold = await ours();
  if (!cold.result.imageResult.pushed || !cold.result.definition.registered)
    throw new Error('the first Submit was not cold');
  say(`cold ${cold.seconds.toFixed(2)} s; CLI warm-up`);
  cli();
  const oursSamples = [];
  const cliSamples = [];
  for (let i = 0; i < runs; i++) {
    const unchanged = await ours();
    if (unchanged.result.imageResult.pushed || unchanged.result.definition.registered) {
      throw new Error('an unchanged Submit pushed or registered');
    }
    oursSamples.push(unchanged.seconds);
    cliSamples.push(cli());
    say(`run ${i + 1}: Submit ${oursSamples[i].toFixed(2)} s, CLI ${cliSamples[i].toFixed(2)} s`);
  }
  const unchangedS = median(oursSamples);
  const cliS = median(cliSamples);
  let buildkit;
  try {
    const measured = await buildKitSubmit({
      work,
      id,
      registry,
      endpoint,
      awsCli,
      dockerConfig,
      runs,
      say,
      ours,
      jobs,
    });
    buildKitMade = measured.created;
    buildkit = measured.part;
  } catch (error) {
    if (error.created) buildKitMade = error.created;
    throw error;
  }
  output = {
    bench: 'submit',
    peer: [awsCli, dockerPeer()],
    stand_in: { ...motoStandIn(endpoint), endpoint, registry },
    unchanged_s: round(unchangedS),
    cli_s: round(cliS),
    ratio: round(unchangedS / cliS),
    cold_s: round(cold.seconds),
    unchanged_samples_s: oursSamples.map(round),
    cli_samples_s: cliSamples.map(round),
    target_ratio: 0.5,
    buildkit,
  };
} finally {
  // Remove what the benchmark made: definitions, repository, run files, local images, the job containers.
  const {
    BatchClient,
    DeregisterJobDefinitionCommand,
    DescribeJobDefinitionsCommand,
    DescribeJobsCommand,
  } = require('@aws-sdk/client-batch');
  // aws.batch is the extension's BatchApi, not an SDK client: clean up with one of the SDK's.
  const batch = new BatchClient({ region: aws.target.region, endpoint: aws.target.endpoint });
  const { DeleteRepositoryCommand } = require('@aws-sdk/client-ecr');
  const { DeleteObjectsCommand, ListObjectsV2Command } = require('@aws-sdk/client-s3');
  const deadline = Date.now() + 60_000;
  while (jobs.length && Date.now() < deadline) {
    const described = await batch.send(new DescribeJobsCommand({ jobs })).catch(() => ({ jobs: [] }));
    if ((described.jobs ?? []).every((job) => ['SUCCEEDED', 'FAILED'].includes(job.status))) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  for (const definitionName of [name, cliName, ...buildKitMade.definitions]) {
    const found = await batch
      .send(new DescribeJobDefinitionsCommand({ jobDefinitionName: definitionName, status: 'ACTIVE' }))
      .catch(() => ({ jobDefinitions: [] }));
    for (const definition of found.jobDefinitions ?? []) {
      await batch
        .send(new DeregisterJobDefinitionCommand({ jobDefinition: definition.jobDefinitionArn }))
        .catch(() => undefined);
    }
  }
  for (const prefix of [`runs/${name}-`, ...buildKitMade.runPrefixes]) {
    const listed = await aws.s3
      .send(new ListObjectsV2Command({ Bucket: 'batch-runner-results', Prefix: prefix }))
      .catch(() => ({ Contents: [] }));
    if (listed.Contents?.length) {
      await aws.s3
        .send(
          new DeleteObjectsCommand({
            Bucket: 'batch-runner-results',
            Delete: { Objects: listed.Contents.map((object) => ({ Key: object.Key })) },
          }),
        )
        .catch(() => undefined);
    }
  }
  for (const repo of [repository, ...buildKitMade.repositories]) {
    await aws.ecr.send(new DeleteRepositoryCommand({ repositoryName: repo, force: true })).catch(() => undefined);
    for (const image of await docker.listImages({ filters: { reference: [`${registry}/${repo}`] } })) {
      for (const tag of image.RepoTags ?? [])
        await docker
          .getImage(tag)
          .remove()
          .catch(() => undefined);
    }
  }
  batch.destroy();
  aws.destroy();
  rmSync(work, { recursive: true, force: true });
}
console.log(JSON.stringify(output));
