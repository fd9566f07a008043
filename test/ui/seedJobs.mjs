// Jobs for the UI smoke screenshots: a running job, a failed one and a finished array job in moto,
// plus the job definition they use. Returns their names; the caller stops the running job at the end.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchClient,
  DescribeJobsCommand,
  RegisterJobDefinitionCommand,
  SubmitJobCommand,
  TerminateJobCommand,
} from '@aws-sdk/client-batch';

export const SMOKE_DEFINITION = 'ui-smoke';

export async function seedJobs(queue = 'research-queue') {
  const batch = new BatchClient({});
  const suffix = Date.now().toString(36);
  const definition = await batch.send(
    new RegisterJobDefinitionCommand({
      jobDefinitionName: SMOKE_DEFINITION,
      type: 'container',
      containerProperties: {
        image: 'local/busybox:latest',
        command: ['true'],
        resourceRequirements: [
          { type: 'VCPU', value: '1' },
          { type: 'MEMORY', value: '256' },
        ],
      },
    }),
  );
  const submit = async (name, command, extra = {}) => {
    const { jobId } = await batch.send(
      new SubmitJobCommand({
        jobName: `${name}-${suffix}`,
        jobQueue: queue,
        jobDefinition: definition.jobDefinitionArn,
        containerOverrides: { command },
        ...extra,
      }),
    );
    return { name: `${name}-${suffix}`, jobId };
  };
  const running = await submit('ui-simulation', ['sleep', '90']);
  const failed = await submit('ui-broken-input', ['sh', '-c', 'echo bad input >&2; exit 2']);
  const array = await submit('ui-sweep', ['true'], { arrayProperties: { size: 3 } });
  const states = async () => {
    const { jobs } = await batch.send(
      // Describing the array parent is what moves it out of SUBMITTED in moto (AWS moves it by itself).
      new DescribeJobsCommand({ jobs: [running.jobId, failed.jobId, array.jobId] }),
    );
    return Object.fromEntries((jobs ?? []).map((job) => [job.jobId, job.status]));
  };
  const deadline = Date.now() + 90000;
  for (;;) {
    const s = await states();
    if (s[running.jobId] === 'RUNNING' && s[failed.jobId] === 'FAILED' && s[array.jobId] === 'SUCCEEDED') break;
    if (Date.now() > deadline) throw new Error(`seed jobs did not settle: ${JSON.stringify(s)}`);
    await sleep(500);
  }
  return {
    suffix,
    running,
    failed,
    array,
    async stop() {
      await batch.send(new TerminateJobCommand({ jobId: running.jobId, reason: 'UI smoke done' })).catch(() => {});
      batch.destroy();
    },
  };
}
