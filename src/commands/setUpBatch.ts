// "AWS Batch: Set Up AWS Batch Environment…": deploys resources/batch-setup.yaml (compute environment,
// queue, results bucket, ECR repository, roles, security group) as a CloudFormation stack, shows its
// events as progress and writes the outputs into aws-batch.json.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ComputeType, SetupChoices } from '../aws/setupPlan';
import { CONFIG_FILE } from '../config/fileName';
import { askMfaCode, type Services } from '../ui/services';
import { UserError, type CommandFactory } from './runCommand';
import { pickFolder } from './submitSupport';

/** globalState key of the last stack set up (Tear Down suggests it). */
export const LAST_STACK_KEY = 'awsBatch.setup.stackName';
export const TEMPLATE_PATH = 'resources/batch-setup.yaml';

interface Pick<T> extends vscode.QuickPickItem {
  value: T;
}

const COMPUTE_TYPES: Pick<ComputeType>[] = [
  {
    label: 'Fargate Spot',
    value: 'FARGATE_SPOT',
    description: 'cheapest, no instances to manage',
    detail: 'Serverless containers on spare capacity (up to 70% off); a reclaimed worker is retried. No GPUs.',
  },
  {
    label: 'Fargate',
    value: 'FARGATE',
    description: 'no instances to manage',
    detail: 'Serverless containers. No GPUs.',
  },
  {
    label: 'EC2 Spot',
    value: 'EC2_SPOT',
    description: 'cheap instances, GPUs possible',
    detail: 'Batch starts and stops spare EC2 instances as jobs need them; instances can be reclaimed.',
  },
  {
    label: 'EC2 On-Demand',
    value: 'EC2',
    description: 'GPUs possible',
    detail: 'Batch starts and stops EC2 instances as jobs need them.',
  },
];

export const setUpBatch: CommandFactory = (services) => async (resource?: unknown) => {
  const folder = await pickFolder(resource);
  if (!folder) return undefined;
  const aws = await import('../bundles/setup');
  const setup = await aws.createSetupClients(services.settings.aws, process.env, { mfaCodeProvider: askMfaCode });
  try {
    const choices = await askChoices(
      services,
      setup.target.region,
      () => aws.findDefaultVpc(setup.ec2),
      aws.validateStackName,
    );
    if (!choices) return undefined;
    const template = await readFile(join(services.context.extensionPath, TEMPLATE_PATH), 'utf8');
    await services.context.globalState.update(LAST_STACK_KEY, choices.stackName);
    services.output.info(
      `Set Up: deploying stack ${choices.stackName} (${choices.computeType}, ${choices.maxVcpus} vCPUs)`,
    );
    const outputs = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `AWS Batch: setting up ${choices.stackName}`,
        cancellable: false,
      },
      (progress) =>
        aws
          .deployStack(setup.cloudFormation, template, choices, {
            onEvent: (event) => {
              const line = `${event.resource} ${event.status}${event.reason ? `: ${event.reason}` : ''}`;
              services.output.info(`Set Up: ${line}`);
              progress.report({ message: line });
            },
          })
          .catch((error: unknown) => {
            if (error instanceof aws.StackFailedError) throw new UserError(error.message);
            throw error;
          }),
    );
    const file = join(folder.uri.fsPath, CONFIG_FILE);
    const before = existsSync(file) ? await readFile(file, 'utf8') : undefined;
    await writeFile(file, aws.applySetupOutputs(before, outputs, folder.name), 'utf8');
    services.walkthrough.complete('setUp', `stack ${choices.stackName} created`);
    void services.queues.refresh();
    await vscode.window.showTextDocument(vscode.Uri.file(file));
    void vscode.window.showInformationMessage(
      `The AWS Batch environment ${choices.stackName} is ready: its queue, bucket, repository and roles are in ${CONFIG_FILE}.` +
        (before === undefined ? ' Add "tasks" (or run Create Run Configuration…) before you submit.' : ''),
    );
    return outputs;
  } finally {
    setup.destroy();
  }
};

async function askChoices(
  services: Services,
  region: string,
  findDefaultVpc: () => Promise<{ vpcId: string; subnetIds: string[] } | undefined>,
  validateStackName: (name: string) => string | undefined,
): Promise<SetupChoices | undefined> {
  const step = (n: number) => `AWS Batch: Set Up (${n}/5)`;
  const compute = await vscode.window.showQuickPick(COMPUTE_TYPES, {
    title: step(1),
    placeHolder: 'Where should the jobs run?',
    ignoreFocusOut: true,
  });
  if (!compute) return undefined;

  const vcpus = await vscode.window.showInputBox({
    title: step(2),
    prompt: 'Most vCPUs running at once (the cost ceiling; the environment scales to 0 when idle)',
    value: '64',
    ignoreFocusOut: true,
    validateInput: (value) => (/^[1-9]\d{0,4}$/.test(value.trim()) ? undefined : 'A whole number from 1 to 99999.'),
  });
  if (!vcpus) return undefined;

  let gpu = false;
  if (compute.value === 'EC2' || compute.value === 'EC2_SPOT') {
    const picked = await vscode.window.showQuickPick<Pick<boolean>>(
      [
        { label: 'CPU instances', value: false, description: 'optimal families (c, m, r)' },
        { label: 'GPU instances', value: true, description: 'g4dn and g5, with the ECS GPU AMI' },
      ],
      { title: step(3), placeHolder: 'Instance families', ignoreFocusOut: true },
    );
    if (!picked) return undefined;
    gpu = picked.value;
  }

  const defaultVpc = await findDefaultVpc().catch((error: unknown) => {
    services.output.warn(`Set Up: could not look up the default VPC: ${(error as Error).message}`);
    return undefined;
  });
  const networks: Pick<SetupChoices['network']>[] = [
    ...(defaultVpc
      ? [
          {
            label: 'Default VPC',
            value: { kind: 'existing' as const, ...defaultVpc },
            description: `${defaultVpc.vpcId}, ${defaultVpc.subnetIds.length} subnets`,
            detail: 'Jobs run in the default VPC’s public subnets, with a security group of their own.',
          },
        ]
      : []),
    {
      label: 'New VPC',
      value: { kind: 'new' },
      description: '10.42.0.0/16, two public subnets',
      detail: 'A VPC of its own, deleted with the stack.',
    },
  ];
  const network = await vscode.window.showQuickPick(networks, {
    title: step(4),
    placeHolder: defaultVpc ? 'Network for the jobs' : 'This region has no default VPC: the stack creates one',
    ignoreFocusOut: true,
  });
  if (!network) return undefined;

  const stackName = await vscode.window.showInputBox({
    title: step(5),
    prompt: 'CloudFormation stack name (also the ECR repository name, in lower case)',
    value: services.context.globalState.get<string>(LAST_STACK_KEY) ?? 'aws-batch-runner',
    ignoreFocusOut: true,
    validateInput: (value) => validateStackName(value.trim()),
  });
  if (!stackName) return undefined;

  const create = 'Create Stack';
  const confirmed = await vscode.window.showInformationMessage(
    `Create the stack ${stackName.trim()} in ${region}?`,
    {
      modal: true,
      detail:
        `${compute.label}, up to ${vcpus.trim()} vCPUs${gpu ? ', GPU instances' : ''}, ${network.label}. ` +
        'It creates a compute environment, a job queue, a results bucket (run folders expire after 90 days), an ECR ' +
        'repository, IAM roles and a security group. Compute is billed only while jobs run. Tear it down with ' +
        '"AWS Batch: Tear Down AWS Batch Environment…".',
    },
    create,
  );
  if (confirmed !== create) return undefined;
  return {
    stackName: stackName.trim(),
    computeType: compute.value,
    maxVcpus: Number(vcpus.trim()),
    gpu,
    network: network.value,
  };
}
