// The BuildKit half of `npm run bench -- submit`: a Dockerfile with RUN --mount=type=cache (an
// incremental "compile" whose outputs the cache mount keeps), Submitted cold, warm (one source file
// changed) and unchanged, against what a user types by hand: `DOCKER_BUILDKIT=1 docker build` (the
// engine's 20.10 CLI, /usr/bin/docker: the newer one on PATH needs a buildx plugin for BuildKit),
// `aws ecr get-login-password | docker login`, `docker push`, `aws batch register-job-definition`
// and `submit-job`. Each side has its own workspace and cache id (a salt file), so neither gets the
// other's layers or cache mount.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { cliSubmit } from './cliSubmit.mjs';

export const BUILDKIT_DOCKER = process.env.BUILDKIT_DOCKER_CLI ?? '/usr/bin/docker';

/** The same files for both sides but the salt: 40 sources the RUN --mount=type=cache step "compiles". */
function writeWorkspace(dir, { id, salt, name, repository }) {
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(
    join(dir, 'Dockerfile'),
    [
      'FROM local/debian:bookworm',
      'WORKDIR /app',
      'COPY src/ /app/src/',
      // Compiles each source once: outputs kept in the cache mount by content, so a warm build
      // redoes only the changed file (the reason people use cache mounts).
      `RUN --mount=type=cache,id=bench-${id}-${salt},target=/cache sh -c 'mkdir -p /app/out; ` +
        `for f in /app/src/*.txt; do h=$(md5sum < "$f" | cut -c1-32); ` +
        `[ -f /cache/$h ] || { sleep 0.1; gzip -9 -c "$f" > /cache/$h; }; cp /cache/$h /app/out/$(basename "$f").gz; done'`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'src', 'salt.txt'), `${salt}\n`);
  for (let i = 0; i < 40; i++) writeFileSync(join(dir, 'src', `module-${i}.txt`), `module ${i}\n`.repeat(400));
  writeFileSync(
    join(dir, 'aws-batch.json'),
    JSON.stringify({
      name,
      repository,
      jobQueue: 'research-queue',
      results: { bucket: 'batch-runner-results' },
      tasks: { command: ['ls', '/app/out'], count: 2 },
    }),
  );
}

/** Changes one source file (as an edit would). */
function touchSource(dir, round) {
  writeFileSync(join(dir, 'src', 'module-7.txt'), `module 7, edit ${round}\n`.repeat(400));
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const round3 = (value) => Number(value.toFixed(3));
const load = () => loadavg().map((value) => Number(value.toFixed(2)));

/**
 * @returns the JSON part, and what it created (definition names, repositories, run prefixes) for cleanup
 */
export async function buildKitSubmit(options) {
  const { work, id, registry, endpoint, awsCli, dockerConfig, runs, say, ours, jobs } = options;
  const oursName = `bench-bk-${id}`;
  const cliName = `${oursName}-cli`;
  const repository = `bench-submit-bk-${id}`;
  const oursDir = join(work, 'buildkit-ours');
  const cliDir = join(work, 'buildkit-cli');
  writeWorkspace(oursDir, { id, salt: 'ours', name: oursName, repository });
  writeWorkspace(cliDir, { id, salt: 'cli', name: cliName, repository });
  const created = { definitions: [oursName, cliName], repositories: [repository], runPrefixes: [`runs/${oursName}-`] };

  const env = { ...process.env, DOCKER_CONFIG: dockerConfig, AWS_PAGER: '', DOCKER_BUILDKIT: '1' };
  const run = (command, args, extra = {}) => {
    const out = spawnSync(command, args, { encoding: 'utf8', env, ...extra });
    if (out.status !== 0) throw new Error(`${command} ${args.slice(0, 3).join(' ')} failed: ${out.stderr}`);
    return out.stdout;
  };
  const image = `${registry}/${repository}:cli`;
  const containerProperties = JSON.stringify({
    image,
    command: ['ls', '/app/out'],
    resourceRequirements: [
      { type: 'VCPU', value: '1' },
      { type: 'MEMORY', value: '2048' },
    ],
  });
  const cli = () => {
    const started = performance.now();
    const jobId = cliSubmit({
      run,
      docker: BUILDKIT_DOCKER,
      awsCli: awsCli.path,
      endpoint,
      registry,
      image,
      context: cliDir,
      definitionName: cliName,
      containerProperties,
      jobName: `${cliName}-${jobs.length}`,
    });
    jobs.push(jobId);
    return (performance.now() - started) / 1000;
  };

  const loadBefore = load();
  const samples = { cold: [], cliCold: [], warm: [], cliWarm: [], unchanged: [], cliUnchanged: [] };
  try {
    say('BuildKit: cold Submit and cold CLI');
    const cold = await ours(oursDir);
    if (!cold.lines.some((line) => /^Built \S+ \(BuildKit\)/.test(line)))
      throw new Error('the Submit did not build with BuildKit');
    if (!cold.result.imageResult.pushed) throw new Error('the first BuildKit Submit was not cold');
    samples.cold.push(cold.seconds);
    samples.cliCold.push(cli());
    for (let i = 0; i < runs; i++) {
      touchSource(oursDir, i);
      const warm = await ours(oursDir);
      if (!warm.result.imageResult.pushed) throw new Error('a warm Submit (one file changed) pushed nothing');
      samples.warm.push(warm.seconds);
      touchSource(cliDir, i);
      samples.cliWarm.push(cli());
      const unchanged = await ours(oursDir);
      if (unchanged.result.imageResult.pushed || unchanged.result.definition.registered)
        throw new Error('an unchanged BuildKit Submit pushed or registered');
      samples.unchanged.push(unchanged.seconds);
      samples.cliUnchanged.push(cli());
      say(
        `BuildKit run ${i + 1}: warm ${samples.warm[i].toFixed(2)} s vs CLI ${samples.cliWarm[i].toFixed(2)} s; ` +
          `unchanged ${samples.unchanged[i].toFixed(2)} s vs CLI ${samples.cliUnchanged[i].toFixed(2)} s`,
      );
    }
  } catch (error) {
    error.created = created;
    throw error;
  }
  const m = Object.fromEntries(Object.entries(samples).map(([key, values]) => [key, median(values)]));
  const version = run(BUILDKIT_DOCKER, ['version', '--format', '{{.Client.Version}}']).trim();
  return {
    created,
    part: {
      peer: [awsCli, { name: 'docker', version, path: BUILDKIT_DOCKER, env: 'DOCKER_BUILDKIT=1' }],
      dockerfile: 'RUN --mount=type=cache (40 sources compiled once each into the cache mount)',
      cold_s: round3(m.cold),
      cli_cold_s: round3(m.cliCold),
      cold_ratio: round3(m.cold / m.cliCold),
      warm_s: round3(m.warm),
      cli_warm_s: round3(m.cliWarm),
      warm_ratio: round3(m.warm / m.cliWarm),
      unchanged_s: round3(m.unchanged),
      cli_unchanged_s: round3(m.cliUnchanged),
      unchanged_ratio: round3(m.unchanged / m.cliUnchanged),
      samples_s: Object.fromEntries(Object.entries(samples).map(([key, values]) => [key, values.map(round3)])),
      target_warm_ratio: 0.8,
      target_unchanged_ratio: 0.1,
      load_average: { before: loadBefore, after: load(), cpus: (await import('node:os')).cpus().length },
    },
  };
}
