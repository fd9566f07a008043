// The runtime's layers appended in the real registry (Docker's distribution, as ECR speaks it): on a
// pushed image and on an OCI index of it (what engines with the containerd image store push), the
// result pulls and runs; a second append sends no layer again; wrong credentials name the fix.
import * as assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { buildImage } from '../../src/docker/build';
import { pushImage } from '../../src/docker/push';
import type { RegistryCredentials } from '../../src/docker/registry';
import { putManifest } from '../../src/docker/registryBlobs';
import { appendRuntimeLayers, prepareRuntime } from '../../src/docker/registryRuntimeLayer';
import { SubmitError } from '../../src/shared/errors';
import { containerOutput, contextOf, removeDir, removeImages } from './buildSupport';
import {
  TestClients,
  clients,
  pullImage,
  registryCredentials,
  registryImage,
  requireStandIns,
  runtimeSource,
  suffix,
} from './submitFixture';

const BASE = process.env.BATCH_RUNNER_BASE_IMAGE ?? 'local/debian:bookworm';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

suite('runtime layer appended in the registry', function () {
  const docker = new Docker();
  const made: string[] = [];
  const cacheDir = mkdtempSync(join(tmpdir(), 'append-cache-'));
  let aws: TestClients;
  let credentials: RegistryCredentials;
  let repository: string;
  let pushed: { digest: string };
  let prepared: Awaited<ReturnType<typeof prepareRuntime>>;

  suiteSetup(async function () {
    const { nodeImage } = requireStandIns();
    aws = await clients();
    credentials = await registryCredentials(aws);
    repository = `issue13-append-${suffix()}`;
    const { dir, context, dockerfile } = await contextOf({
      Dockerfile: `FROM ${BASE}\nRUN echo "built $(date +%N)" > /built.txt\n`,
    });
    try {
      const built = await buildImage(docker, { context, dockerfile, platform: 'linux/amd64' });
      const ref = `${credentials.host}/${repository}:built`;
      await docker.getImage(built.imageId).tag({ repo: `${credentials.host}/${repository}`, tag: 'built' });
      made.push(ref);
      pushed = await pushImage(docker, ref, credentials);
      prepared = await prepareRuntime(
        docker,
        built.imageId,
        await runtimeSource(docker, { nodeImage, cacheDir, lines: [] }),
      );
    } finally {
      removeDir(dir);
    }
  });

  suiteTeardown(async () => {
    await removeImages(docker, made);
    removeDir(cacheDir);
    aws?.destroy();
  });

  const append = (base: string, tag: string, as: RegistryCredentials = credentials) =>
    appendRuntimeLayers(as, {
      repository,
      base,
      tag,
      platform: 'linux/amd64',
      decision: prepared.decision,
      blobs: prepared.blobs,
      labels: { 'org.batch-runner.test': tag },
    });

  test('on an OCI index of the pushed image: the linux/amd64 image gets the layers, and it runs', async () => {
    const manifest = await registryImage(credentials, repository, pushed.digest);
    const size = Buffer.byteLength(
      await (
        await fetch(`http://${credentials.host}/v2/${repository}/manifests/${pushed.digest}`, {
          headers: {
            Authorization: 'Basic ' + Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64'),
            Accept: 'application/vnd.docker.distribution.manifest.v2+json',
          },
        })
      ).text(),
    );
    // As BuildKit's containerd store pushes it: the image, and an "unknown/unknown" attestation entry first.
    const index = {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        {
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          digest: pushed.digest,
          size,
          platform: { os: 'unknown', architecture: 'unknown' },
        },
        {
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          digest: pushed.digest,
          size,
          platform: { os: 'linux', architecture: 'amd64' },
        },
      ],
    };
    await putManifest(credentials, repository, 'index', OCI_INDEX, Buffer.from(JSON.stringify(index)));
    const result = await append('index', 'from-index');
    const image = await registryImage(credentials, repository, 'from-index');
    assert.equal(image.digest, result.digest);
    assert.deepEqual(image.layers.slice(0, -2), manifest.layers, "the user's layers, then the runtime's");
    assert.deepEqual(
      image.layers.slice(-2),
      prepared.blobs.map((blob) => blob.digest),
    );
    assert.deepEqual(image.config.config?.Cmd, ['/opt/batch-runner/node', '/opt/batch-runner/runtime.js', '--help']);
    assert.equal(image.config.config?.Labels?.['org.batch-runner.test'], 'from-index');

    const ref = `${credentials.host}/${repository}:from-index`;
    made.push(ref);
    await pullImage(docker, ref, credentials);
    const out = await containerOutput(
      docker,
      ref,
      ['sh', '-c', 'cat /built.txt; /opt/batch-runner/node /opt/batch-runner/runtime.js --version'],
      { tty: true },
    );
    assert.match(out, /^built \d+/m);
    assert.match(out, /\d+\.\d+/);
  });

  test('a second append sends no layer again: only a config and a manifest', async () => {
    await append(pushed.digest, 'first');
    const again = await append(pushed.digest, 'second');
    assert.deepEqual([again.uploadedLayers, again.uploadedBytes], [0, 0]);
    const [first, second] = await Promise.all([
      registryImage(credentials, repository, 'first'),
      registryImage(credentials, repository, 'second'),
    ]);
    assert.deepEqual(second.layers, first.layers);
    assert.notEqual(second.digest, first.digest, 'the labels differ, so the configs do');
  });

  /** The runtime decision for an image whose `node` is a script printing `version` (no real Node needed). */
  function decisionWithNode(version: string) {
    return decisionFor({
      Dockerfile: `FROM ${BASE}\nCOPY node /usr/local/bin/node\nRUN chmod 755 /usr/local/bin/node\n`,
      node: `#!/bin/sh\nprintf ${version}\n`,
    });
  }

  async function decisionFor(files: Record<string, string>, nodeImage = requireStandIns().nodeImage) {
    const { dir, context, dockerfile } = await contextOf(files);
    try {
      const built = await buildImage(docker, { context, dockerfile, platform: 'linux/amd64' });
      made.push(built.imageId);
      const lines: string[] = [];
      const { decision, blobs } = await prepareRuntime(
        docker,
        built.imageId,
        await runtimeSource(docker, { nodeImage, cacheDir, lines }),
      );
      return { decision, blobs, lines };
    } finally {
      removeDir(dir);
    }
  }

  test("an image whose own Node.js is 20: the probe reads it from the image's PATH and adds Node.js 22", async () => {
    const { decision, blobs, lines } = await decisionWithNode('20.19.0');
    assert.equal(decision.node, '/opt/batch-runner/node');
    assert.equal(blobs.length, 2);
    assert.ok(
      lines.some((line) => line.includes("image's Node.js 20 is older than 22")),
      lines.join('\n'),
    );
  });

  test('a `node` that says 22 but cannot run the runtime: the bundled Node.js runs it instead', async () => {
    const { decision, blobs, lines } = await decisionWithNode('22.1.0');
    assert.equal(decision.node, '/opt/batch-runner/node', lines.join('\n'));
    assert.deepEqual(
      decision.layers.map((layer) => layer.files.map((file) => file.name)),
      [['opt/batch-runner/node'], ['opt/batch-runner/runtime.js', 'opt/batch-runner/spawn']],
    );
    assert.equal(blobs.length, 2);
    assert.ok(
      lines.some((line) => line.includes("image's Node.js 22 does not run the runtime")),
      lines.join('\n'),
    );
  });

  // A Node image that cannot be had: in the stand-in registry, which refuses a pull without a sign-in
  // (no traffic leaves the machine).
  const MISSING_NODE_IMAGE = '127.0.0.1:5000/issue13-no-such-node:22';

  test('no Node image to be had: an image with its own Node.js 22 still runs the runtime on it', async () => {
    const { decision, blobs, lines } = await decisionFor(
      { Dockerfile: `FROM ${requireStandIns().nodeImage}\nRUN echo ok > /ok.txt\n` },
      MISSING_NODE_IMAGE,
    );
    assert.equal(decision.node, 'node', lines.join('\n'));
    assert.deepEqual(
      decision.layers.map((layer) => layer.files.map((file) => file.name)),
      [['opt/batch-runner/runtime.js', 'opt/batch-runner/spawn']],
    );
    assert.equal(blobs.length, 1);
    assert.ok(
      lines.some((line) => line.includes(`runs on the image's own node (${MISSING_NODE_IMAGE} is not available`)),
      lines.join('\n'),
    );
  });

  test("no Node image to be had and none in the image: the Node image's message, naming the setting", async () => {
    const error = await decisionFor({ Dockerfile: `FROM ${BASE}\nRUN echo ok > /ok.txt\n` }, MISSING_NODE_IMAGE).then(
      () => assert.fail('the decision succeeded'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof SubmitError, String(error));
    assert.match(error.message, /setting awsBatch\.runtimeNodeImage\) is not on this machine and cannot be pulled/);
  });

  test('credentials the registry refuses: a SubmitError naming the registry and the permissions', async () => {
    const wrong = { ...credentials, password: 'not-the-token' };
    const error = await append(pushed.digest, 'refused', wrong).then(
      () => assert.fail('the append succeeded'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof SubmitError, String(error));
    assert.match(error.message, new RegExp(`registry ${credentials.host.replace(/\./g, '\\.')} answered HTTP 401`));
    assert.match(error.message, /ecr:PutImage/);
    assert.ok(!error.message.includes('not-the-token'));
  });
});
