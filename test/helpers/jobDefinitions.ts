// A small busybox job definition for tests that need real jobs on the stand-ins (moto runs them as
// containers of the pull-free local/busybox image that backend.sh builds).
import { BatchClient, RegisterJobDefinitionCommand } from '@aws-sdk/client-batch';

/** Registers (a new revision of) `name` running `command`; returns its ARN. */
export async function registerBusyboxDefinition(
  batch: Pick<BatchClient, 'send'>,
  name: string,
  command: string[],
  memoryMiB = 128,
): Promise<string> {
  const registered = await batch.send(
    new RegisterJobDefinitionCommand({
      jobDefinitionName: name,
      type: 'container',
      containerProperties: {
        image: 'local/busybox:latest',
        command,
        resourceRequirements: [
          { type: 'VCPU', value: '1' },
          { type: 'MEMORY', value: String(memoryMiB) },
        ],
      },
    }),
  );
  if (!registered.jobDefinitionArn) throw new Error(`RegisterJobDefinition returned no ARN for ${name}`);
  return registered.jobDefinitionArn;
}
