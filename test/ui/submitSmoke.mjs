// UI smoke checks for Submit to Batch, run by test/ui/smoke.mjs in the same workbench: the command
// from the palette, its progress notification, the "Submitted" notification and the
// "AWS Batch: Build" output, with screenshots. The workspace gets an aws-batch.json, a Dockerfile and
// user settings pointing at the local registry before the workbench opens; cleanup() removes
// what the Submit created (definition, repository, run files, local image tags).
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCommand } from './palette.mjs';

const TIMEOUT = Number(process.env.UI_TIMEOUT_MS || 60000);
const SUBMIT_TITLE = 'AWS Batch: Submit to Batch';
const OUTPUT_TITLE = 'AWS Batch: Show Build Output';
const BUCKET = 'batch-runner-results';

/** Writes the files a Submit needs into the workspace folder; call before the workbench loads. */
export function prepareSubmitWorkspace(folder) {
  const id = Date.now().toString(36);
  const name = `ui-submit-${id}`;
  const write = (file, content) => {
    fs.mkdirSync(path.dirname(path.join(folder, file)), { recursive: true });
    fs.writeFileSync(path.join(folder, file), content);
  };
  // A step that runs for a few seconds, new each time, so the progress notification can be seen.
  write('ui-submit/Dockerfile', `FROM local/debian:bookworm\nRUN echo ${id} && sleep 4\n`);
  write(
    'aws-batch.json',
    JSON.stringify(
      {
        name,
        repository: name,
        dockerfile: 'ui-submit/Dockerfile',
        context: 'ui-submit',
        jobQueue: 'research-queue',
        results: { bucket: BUCKET },
        tasks: { command: ['true'], count: 1 },
      },
      null,
      2,
    ),
  );
  // registryHost and runtimeNodeImage are machine-scoped: a workspace's .vscode/settings.json cannot set
  // them, so they go into the user settings of the workbench (scripts/vscode-tests.mjs puts the
  // user-data folder next to the workspace folder).
  const settingsFile = process.env.USER_SETTINGS_FILE || path.join(folder, '..', 'user-data', 'User', 'settings.json');
  const settings = fs.existsSync(settingsFile) ? JSON.parse(fs.readFileSync(settingsFile, 'utf8')) : {};
  fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
  fs.writeFileSync(
    settingsFile,
    JSON.stringify(
      {
        ...settings,
        'awsBatch.registryHost': process.env.BATCH_RUNNER_REGISTRY || '127.0.0.1:5000',
        'awsBatch.runtimeNodeImage': process.env.BATCH_RUNNER_NODE_IMAGE || 'local/node:22',
      },
      null,
      2,
    ),
  );
  return { name, cleanup: () => cleanUp(name) };
}

async function cleanUp(name) {
  const { BatchClient, DescribeJobDefinitionsCommand, DeregisterJobDefinitionCommand, ListJobsCommand } =
    await import('@aws-sdk/client-batch');
  const { ECRClient, DeleteRepositoryCommand } = await import('@aws-sdk/client-ecr');
  const { S3Client, ListObjectsV2Command, DeleteObjectsCommand } = await import('@aws-sdk/client-s3');
  const { default: Docker } = await import('dockerode');
  const batch = new BatchClient({});
  const ecr = new ECRClient({});
  const s3 = new S3Client({ forcePathStyle: true });
  try {
    // The manager container runs from the image; let it end before the image is removed.
    const deadline = Date.now() + 60000;
    while (Date.now() < deadline) {
      // moto lists every status when none is given
      const listed = await batch
        .send(new ListJobsCommand({ jobQueue: 'research-queue' }))
        .catch(() => ({ jobSummaryList: [] }));
      const mine = (listed.jobSummaryList ?? []).filter((job) => job.jobName?.startsWith(`${name}-`));
      if (mine.every((job) => job.status === 'SUCCEEDED' || job.status === 'FAILED')) break;
      await sleep(1000);
    }
    const found = await batch
      .send(new DescribeJobDefinitionsCommand({ jobDefinitionName: name, status: 'ACTIVE' }))
      .catch(() => ({ jobDefinitions: [] }));
    for (const definition of found.jobDefinitions ?? []) {
      await batch
        .send(new DeregisterJobDefinitionCommand({ jobDefinition: definition.jobDefinitionArn }))
        .catch(() => {});
    }
    await ecr.send(new DeleteRepositoryCommand({ repositoryName: name, force: true })).catch(() => {});
    const listed = await s3
      .send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `runs/${name}-` }))
      .catch(() => ({ Contents: [] }));
    if (listed.Contents?.length) {
      await s3
        .send(
          new DeleteObjectsCommand({
            Bucket: BUCKET,
            Delete: { Objects: listed.Contents.map((o) => ({ Key: o.Key })) },
          }),
        )
        .catch(() => {});
    }
    const docker = new Docker();
    const registry = process.env.BATCH_RUNNER_REGISTRY || '127.0.0.1:5000';
    for (const image of await docker.listImages({ filters: { reference: [`${registry}/${name}`] } }).catch(() => [])) {
      for (const tag of image.RepoTags ?? [])
        await docker
          .getImage(tag)
          .remove()
          .catch(() => {});
    }
  } finally {
    batch.destroy();
    ecr.destroy();
    s3.destroy();
  }
}

const toast = (page, text) => page.locator('.notifications-toasts .notification-list-item', { hasText: text }).first();

/** The Submit checks; `check` is smoke.mjs's check(name, fn, options). */
export async function submitChecks({ page, check, shotDir, needs = [] }) {
  const progress = `"${SUBMIT_TITLE}" from the palette shows a progress notification`;
  await check(
    progress,
    async () => {
      await runCommand(page, SUBMIT_TITLE);
      await toast(page, SUBMIT_TITLE)
        .waitFor({ timeout: 30000 })
        .catch(() => {
          throw new Error(`no "${SUBMIT_TITLE}" notification within 30 s`);
        });
      // The Dockerfile's last step sleeps a few seconds: catch the notification naming it.
      const step = await toast(page, /Building: step 2\/2 RUN echo/)
        .waitFor({ timeout: 30000 })
        .then(
          () => true,
          () => false,
        );
      await sleep(300); // the toast's fade-in
      await page.screenshot({ path: path.join(shotDir, '08-submit-progress.png') });
      return `screenshot 08-submit-progress.png${step ? ' (at the build step)' : ''}`;
    },
    { needs },
  );
  const submitted = 'the Submit ends with a "Submitted ... (job ...)" notification';
  await check(
    submitted,
    async () => {
      const done = toast(page, /Submitted .* \(job [0-9a-f-]{36}\)/);
      const failed = page
        .locator('.notifications-toasts .notification-list-item')
        .filter({ has: page.locator('.codicon-error') })
        .first();
      const outcome = await Promise.race([
        done.waitFor({ timeout: 180000 }).then(
          () => 'done',
          () => 'timeout',
        ),
        failed.waitFor({ timeout: 180000 }).then(
          () => 'failed',
          () => 'timeout',
        ),
      ]);
      if (outcome === 'timeout') throw new Error('neither "Submitted" nor an error within 180 s');
      if (outcome === 'failed')
        throw new Error(`error notification: ${(await failed.innerText()).replace(/\s+/g, ' ')}`);
      return (await done.innerText()).split('\n')[0].slice(0, 120);
    },
    { needs: [progress] },
  );
  await check(
    `"${OUTPUT_TITLE}" shows the build and push log`,
    async () => {
      await runCommand(page, OUTPUT_TITLE);
      const panel = page.locator('.part.panel');
      await panel
        // Monaco renders spaces as no-break spaces and wraps long lines.
        .locator('.view-lines', { hasText: /Submitted[\s\u00a0].*as[\s\u00a0]job/ })
        .first()
        .waitFor({ timeout: TIMEOUT })
        .catch(() => {
          throw new Error('the "AWS Batch: Build" output does not end with the "Submitted ... as job" line');
        });
      await page.screenshot({ path: path.join(shotDir, '09-build-output.png') });
      return 'screenshot 09-build-output.png';
    },
    { needs: [submitted] },
  );
}
