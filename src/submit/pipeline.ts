// Build -> runtime layer -> push -> job definition -> run files -> manager job. No vscode: the
// commands pass a progress reporter, a line sink and an abort signal, and tests call this directly.
//
// Every check that can fail on user input (config, Dockerfile, Docker, queue, bucket, registry
// sign-in) runs before anything is created, so a bad input leaves nothing behind; the definition is
// registered only after the image is in the registry, and the run files are removed again when the
// job cannot be submitted.
import type Docker from 'dockerode';
import type { AwsClients } from '../aws/clients';
import { EcrRegistry, ensureRepository, getRegistryCredentials } from '../aws/ecr';
import { EnsuredDefinition, desiredJobDefinition, ensureJobDefinition } from '../aws/jobDefinition';
import { checkBucket, deleteRunFiles, writeRunFiles } from '../aws/runStore';
import { QueueTarget, queueTarget } from '../aws/queuePlatform';
import { submitManagerJob } from '../aws/submitJob';
import { fargateProblem } from '../config/fargate';
import { CONFIG_FILE } from '../config/fileName';
import type { LoadedConfig } from '../config/loadConfig';
import { buildRunSpec, newRunId, runKeyPrefix, runUri } from '../config/runSpec';
import type { PullCredentials } from '../docker/credentials';
import { parseEcrHost } from '../docker/ecrHost';
import { EngineInfo, checkEngine } from '../docker/engine';
import { PushSummary, pushImage } from '../docker/push';
import { checkRegistryLogin, manifestDigest, putTag } from '../docker/registry';
import {
  REGISTRY_RECIPE,
  LayerBlob,
  RuntimeDecision,
  WITHOUT_RUNTIME_SUFFIX,
  appendRuntimeLayers,
  appendedImage,
  prepareRuntime,
} from '../docker/registryRuntimeLayer';
import { LABELS, RuntimeSource, managerCommand, runtimeKey } from '../docker/runtimeFiles';
import { buildWorkspaceImage, kilobytes } from '../docker/runImage';
import { SubmitError, throwIfCancelled } from '../shared/errors';
import type { LineSink, ProgressReporter } from '../shared/progress';
import { baseImageCredentials } from './baseImageSignIn';
import type { SubmittedRun } from './types';

export interface PipelineOptions {
  aws: AwsClients;
  docker: Docker;
  /** awsBatch.registryHost: push here instead of the ECR endpoint. */
  registryHost?: string;
  /** awsBatch.runtimeNodeImage */
  runtimeNodeImage: string;
  /** The bundled runtime (dist/runtime.js). */
  runtimePath: string;
  /** Where the extracted Node binary is kept between builds. */
  cacheDir: string;
  progress?: ProgressReporter;
  log?: LineSink;
  signal?: AbortSignal;
}

export interface ImageResult {
  /** host/repository:contentTag, what the job definition runs */
  image: string;
  registryHost: string;
  repository: string;
  contentTag: string;
  digest: string;
  /** How the job starts the runtime ("node" or /opt/batch-runner/node). */
  node: string;
  pushed: boolean;
  /** Layers uploaded and found in the registry, when a push happened. */
  push?: PushSummary;
  repositoryCreated: boolean;
  build: { steps: number; cachedSteps: number; files: number; bytes: number; excluded: number };
  runtimeLayerReused: boolean;
}

export interface SubmitResult extends SubmittedRun {
  imageResult: ImageResult;
  definition: EnsuredDefinition;
  seconds: number;
}

interface Preflight {
  engine: EngineInfo;
  registry: EcrRegistry;
  /** The job queue and its platform, when the operation needs them. */
  queue?: QueueTarget;
}

/** Replaces every credential in a line with "****" before it reaches a log or a notification. */
export function redactor(secrets: string[]): (text: string) => string {
  return (text) => secrets.filter((s) => s.length >= 4).reduce((out, secret) => out.split(secret).join('****'), text);
}

/** "1 layer", "3 layers" */
function layers(count: number): string {
  return `${count} layer${count === 1 ? '' : 's'}`;
}

function queueOf(preflight: Preflight): QueueTarget {
  if (!preflight.queue) throw new Error('the preflight did not check the job queue');
  return preflight.queue;
}

export class SubmitPipeline {
  private readonly secrets: string[] = [];
  private readonly redact = redactor(this.secrets);
  private readonly started = Date.now();

  constructor(private readonly options: PipelineOptions) {}

  private log(line: string): void {
    this.options.log?.(this.redact(line));
  }

  private progress(message: string, fraction?: number): void {
    this.options.progress?.report(this.redact(message), fraction);
  }

  private get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  /** The queue and its platform; on Fargate, fails unless the configuration can run there. */
  private async queue(loaded: LoadedConfig): Promise<QueueTarget> {
    const { config } = loaded;
    const queue = await queueTarget(this.options.aws.batch, config.jobQueue, this.signal);
    if (queue.platform === 'FARGATE') {
      const problem = fargateProblem(config, config.jobQueue, queue.arn);
      if (problem) throw new SubmitError('config', problem);
    }
    return queue;
  }

  /** Checks everything that can be checked before creating anything; the first problem wins. */
  async preflight(loaded: LoadedConfig, needs: { queue: boolean; bucket: boolean }): Promise<Preflight> {
    const { aws, docker, registryHost } = this.options;
    const { config } = loaded;
    this.progress('Checking Docker, AWS and the registry', 0.01);
    const registry = (async () => {
      const credentials = await getRegistryCredentials(aws.ecr, registryHost, this.signal);
      this.secrets.push(
        credentials.password,
        Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64'),
      );
      await checkRegistryLogin(credentials, this.signal);
      return credentials;
    })();
    const checks = await Promise.allSettled([
      checkEngine(docker, this.signal),
      needs.queue ? this.queue(loaded) : Promise.resolve(undefined),
      needs.bucket ? checkBucket(aws.s3, config.results.bucket, this.signal) : Promise.resolve(),
      registry,
    ]);
    const failed = checks.find((check): check is PromiseRejectedResult => check.status === 'rejected');
    if (failed) throw failed.reason;
    const engine = (checks[0] as PromiseFulfilledResult<EngineInfo>).value;
    const queue = (checks[1] as PromiseFulfilledResult<QueueTarget | undefined>).value;
    const credentials = (checks[3] as PromiseFulfilledResult<EcrRegistry>).value;
    this.log(
      `Docker ${engine.version} (${engine.os}/${engine.arch}); registry ${credentials.host} accepts the ECR credentials`,
    );
    if (queue) {
      this.log(
        `Job queue ${config.jobQueue} runs on ${queue.platform === 'FARGATE' ? 'Fargate' : 'EC2'} (compute environment ${queue.environment})`,
      );
      if (queue.platform === 'EC2' && config.fargate) {
        this.log(`The "fargate" settings in ${CONFIG_FILE} are ignored: job queue ${config.jobQueue} runs on EC2`);
      }
    }
    return { engine, registry: credentials, queue };
  }

  /** Credentials for base images on other ECR registries (baseImageSignIn.ts); the run's own is known. */
  private async baseImageSignIn(loaded: LoadedConfig, registry: EcrRegistry): Promise<Record<string, PullCredentials>> {
    const own = parseEcrHost(registry.ecrHost);
    return baseImageCredentials(loaded, {
      ecrIn: async () => (region) => this.options.aws.ecrIn(region),
      exclude: [registry.ecrHost, registry.host],
      known: new Map(own ? [[own.region, { username: registry.username, password: registry.password }]] : []),
      signal: this.signal,
      log: (line) => this.log(line),
    });
  }

  /**
   * Builds the workspace image, pushes it and appends the runtime layer in the registry (unless the
   * registry has that image already).
   */
  async image(loaded: LoadedConfig, preflight: Preflight): Promise<ImageResult> {
    const { docker, aws } = this.options;
    const { config } = loaded;
    const { registry, engine } = preflight;
    const repositoryRef = `${registry.host}/${config.repository}`;

    const credentialsFor = { username: registry.username, password: registry.password };
    const pulls = await this.baseImageSignIn(loaded, registry);
    const built = await buildWorkspaceImage(docker, {
      loaded,
      engine,
      registryConfig: { ...pulls, [registry.host]: credentialsFor, [registry.ecrHost]: credentialsFor },
      signal: this.signal,
      log: (line) => this.log(line),
      // The build is 5 % to 50 % of the whole Submit.
      progress: (message, fraction) => this.progress(message, 0.05 + 0.45 * fraction),
    });
    const source: RuntimeSource = {
      platform: config.platform,
      runtimePath: this.options.runtimePath,
      nodeImage: this.options.runtimeNodeImage,
      cacheDir: this.options.cacheDir,
      engine,
      signal: this.signal,
      log: (line) => this.log(line),
      onStatus: (message) => this.progress(message, 0.52),
    };
    // Three independent questions at once (an unchanged Submit is little else): the repository
    // (created only now, with an image to put in it: a failed build leaves no empty repository
    // behind), whether the registry has this image already, and where "latest" points. A registry
    // answers 404 for both reads while the repository does not exist yet.
    const keyed = runtimeKey(docker, REGISTRY_RECIPE, built.imageId, source);
    const [repo, { key, contentTag, runtimeSha }, existing, latest] = await Promise.all([
      ensureRepository(aws.ecr, config.repository, this.signal),
      keyed,
      keyed.then(({ contentTag, key }) => appendedImage(registry, config.repository, contentTag, key, this.signal)),
      manifestDigest(registry, config.repository, 'latest', this.signal),
    ]);
    if (repo.created) this.log(`Created the ECR repository ${config.repository}`);
    const ref = `${repositoryRef}:${contentTag}`;
    throwIfCancelled(this.signal);
    let appended: Awaited<ReturnType<SubmitPipeline['pushWithRuntime']>> | undefined;
    if (existing) {
      this.log(`Push skipped: ${registry.host} already has ${config.repository}:${contentTag} (${existing.digest})`);
    } else {
      appended = await this.pushWithRuntime(
        built.imageId,
        { repositoryRef, contentTag, key, runtimeSha, source },
        registry,
        config.repository,
      );
    }
    const digest = existing?.digest ?? appended?.digest ?? '';
    const node = existing?.node ?? appended?.node ?? '';
    if (latest !== digest) {
      // "latest" is a convenience: a repository with immutable tags refuses to move it, and the
      // definition uses the content tag anyway.
      try {
        await putTag(registry, config.repository, digest, 'latest', this.signal);
        this.log(`Tagged ${config.repository}:latest = ${contentTag}`);
      } catch (error) {
        throwIfCancelled(this.signal);
        this.log(`Left ${config.repository}:latest as it was: ${(error as Error).message}`);
      }
    }
    return {
      image: ref,
      registryHost: registry.host,
      repository: config.repository,
      contentTag,
      digest,
      node,
      pushed: appended !== undefined,
      push: appended?.push,
      repositoryCreated: repo.created,
      build: built.build,
      runtimeLayerReused: existing !== undefined,
    };
  }

  /**
   * Pushes the user's image as <content tag>-without-runtime while the runtime is checked in it (the
   * two at once: the push waits on the network, the checks on containers), then appends the
   * runtime's layers in the registry under the content tag.
   */
  private async pushWithRuntime(
    imageId: string,
    target: { repositoryRef: string; contentTag: string; key: string; runtimeSha: string; source: RuntimeSource },
    registry: EcrRegistry,
    repository: string,
  ): Promise<{ digest: string; node: string; push: PushSummary }> {
    const { docker } = this.options;
    const { repositoryRef, contentTag } = target;
    const baseTag = `${contentTag}${WITHOUT_RUNTIME_SUFFIX}`;
    await docker.getImage(imageId).tag({ repo: repositoryRef, tag: baseTag });
    // One failing stops the other: no push left running behind an error, no probe behind a failed push.
    const both = new AbortController();
    const signal = this.signal ? AbortSignal.any([this.signal, both.signal]) : both.signal;
    const failFast = <T>(work: Promise<T>) =>
      work.catch((error: unknown) => {
        both.abort();
        throw error;
      });
    this.progress(`Pushing ${repository}:${baseTag}`, 0.55);
    let summary: PushSummary;
    let prepared: { decision: RuntimeDecision; blobs: LayerBlob[] };
    try {
      [summary, prepared] = await Promise.all([
        failFast(
          pushImage(docker, `${repositoryRef}:${baseTag}`, registry, {
            signal,
            log: (line) => this.log(line),
            onProgress: (progress) =>
              this.progress(
                `Pushing ${repository}:${baseTag}: ${progress.summary()}`,
                0.55 + 0.25 * progress.fraction(),
              ),
          }),
        ),
        failFast(prepareRuntime(docker, imageId, { ...target.source, signal })),
      ]);
    } catch (error) {
      // The first error is the one to show; the other's "cancelled" is only its echo.
      throwIfCancelled(this.signal);
      throw error;
    }
    this.log(
      `Pushed ${repositoryRef}:${baseTag} (${summary.digest}): ${layers(summary.uploaded)} uploaded` +
        (summary.bytes ? ` (${kilobytes(summary.bytes)})` : '') +
        `, ${summary.existed} already there`,
    );
    this.progress(`Adding the runtime layer to ${repository}:${contentTag}`, 0.8);
    const { decision, blobs } = prepared;
    const appended = await appendRuntimeLayers(registry, {
      repository,
      base: summary.digest,
      tag: contentTag,
      platform: target.source.platform,
      decision,
      blobs,
      labels: { [LABELS.key]: target.key, [LABELS.node]: decision.node, [LABELS.runtime]: target.runtimeSha },
      signal: this.signal,
    });
    this.log(
      `Added the runtime layer in the registry: ${repositoryRef}:${contentTag} (${appended.digest}), ` +
        (appended.uploadedLayers
          ? `${appended.uploadedLayers} of ${blobs.length} runtime layers uploaded (${kilobytes(appended.uploadedBytes)})`
          : blobs.length === 1
            ? 'its runtime layer was there already'
            : `its ${blobs.length} runtime layers were there already`),
    );
    return {
      digest: appended.digest,
      node: decision.node,
      push: {
        ...summary,
        digest: appended.digest,
        layers: summary.layers + blobs.length,
        uploaded: summary.uploaded + appended.uploadedLayers,
        existed: summary.existed + blobs.length - appended.uploadedLayers,
        bytes: summary.bytes + appended.uploadedBytes,
      },
    };
  }

  async definition(loaded: LoadedConfig, image: ImageResult, queue: QueueTarget): Promise<EnsuredDefinition> {
    throwIfCancelled(this.signal);
    this.progress('Checking the job definition', 0.86);
    const desired = desiredJobDefinition({
      config: loaded.config,
      image: image.image,
      command: managerCommand(image.node),
      platform: queue.platform,
    });
    const definition = await ensureJobDefinition(this.options.aws.batch, desired, this.signal);
    this.log(
      definition.registered
        ? `Registered job definition ${definition.name}:${definition.revision}` +
            (definition.changed.length ? ` (changed: ${definition.changed.join(', ')})` : '')
        : `Job definition ${definition.name}:${definition.revision} is up to date`,
    );
    return definition;
  }

  /** Build and Push Image. */
  async buildAndPush(loaded: LoadedConfig): Promise<ImageResult> {
    const preflight = await this.preflight(loaded, { queue: false, bucket: false });
    return this.image(loaded, preflight);
  }

  /**
   * Register Job Definition: the image of the current workspace (built and pushed when needed), then
   * the definition for the queue's platform, which is why the queue is checked too.
   */
  async register(loaded: LoadedConfig): Promise<{ image: ImageResult; definition: EnsuredDefinition }> {
    const preflight = await this.preflight(loaded, { queue: true, bucket: false });
    const image = await this.image(loaded, preflight);
    return { image, definition: await this.definition(loaded, image, queueOf(preflight)) };
  }

  /** Submit to Batch. */
  async submit(loaded: LoadedConfig): Promise<SubmitResult> {
    const { aws } = this.options;
    const { config } = loaded;
    const preflight = await this.preflight(loaded, { queue: true, bucket: true });
    const image = await this.image(loaded, preflight);
    const definition = await this.definition(loaded, image, queueOf(preflight));

    throwIfCancelled(this.signal);
    const runId = newRunId(config.name);
    const uri = runUri(config, runId);
    this.progress(`Writing ${uri}run.json`, 0.9);
    const keys = await writeRunFiles(
      aws.s3,
      {
        bucket: config.results.bucket,
        prefix: runKeyPrefix(config, runId),
        spec: buildRunSpec(config, runId, loaded.inputs),
        inputs: loaded.inputs,
      },
      this.signal,
    );
    this.log(`Wrote ${keys.map((key) => `s3://${config.results.bucket}/${key}`).join(', ')}`);

    let jobId: string;
    try {
      throwIfCancelled(this.signal);
      this.progress('Submitting the manager job', 0.95);
      jobId = await submitManagerJob(
        aws.batch,
        { jobName: runId, queue: config.jobQueue, definitionArn: definition.arn, runId, runUri: uri },
        this.signal,
      );
    } catch (error) {
      await deleteRunFiles(aws.s3, config.results.bucket, keys);
      throw error;
    }
    const seconds = (Date.now() - this.started) / 1000;
    this.log(`Submitted ${runId} as job ${jobId} on ${config.jobQueue} (${seconds.toFixed(1)} s)`);
    this.progress(`Submitted job ${jobId}`, 1);
    return {
      runId,
      jobId,
      jobName: runId,
      queue: config.jobQueue,
      runUri: uri,
      jobDefinitionArn: definition.arn,
      image: image.image,
      imageResult: image,
      definition,
      seconds,
    };
  }
}
