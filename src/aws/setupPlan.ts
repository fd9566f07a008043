// Set Up's choices as the template's parameters, and the stack's outputs written into aws-batch.json.
// Pure: no SDK, no VS Code (test/unit/setupPlan.test.ts).
import { applyEdits, modify, parse, type ParseError } from 'jsonc-parser';

export type ComputeType = 'EC2_SPOT' | 'EC2' | 'FARGATE' | 'FARGATE_SPOT';

export interface SetupChoices {
  stackName: string;
  computeType: ComputeType;
  maxVcpus: number;
  /** EC2 only: GPU instance families and the ECS GPU AMI. */
  gpu: boolean;
  /** The default VPC's subnets, or a new VPC with two public subnets. */
  network: { kind: 'existing'; vpcId: string; subnetIds: string[] } | { kind: 'new' };
  /** ECR repository of the run images; default: the stack name. */
  repositoryName?: string;
  /** Run folders expire after this many days (default 90). */
  retentionDays?: number;
}

/** The stack's outputs (resources/batch-setup.yaml, Outputs). */
export interface SetupOutputs {
  jobQueueArn?: string;
  resultsBucket?: string;
  repositoryName?: string;
  jobRoleArn?: string;
  executionRoleArn?: string;
  computeType?: string;
  /** The jobs run in the new VPC's public subnets. */
  publicSubnets?: boolean;
}

/** The run folders' prefix: the lifecycle rule and the job role's S3 permissions are on it. */
export const SETUP_RESULTS_PREFIX = 'runs/';
export const DEFAULT_STACK_NAME = 'aws-batch-runner';
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

export function validateStackName(name: string): string | undefined {
  return STACK_NAME.test(name)
    ? undefined
    : 'A stack name starts with a letter and has only letters, digits and hyphens (at most 128).';
}

export function isFargate(type: string | undefined): boolean {
  return type === 'FARGATE' || type === 'FARGATE_SPOT';
}

/** The template's parameters for these choices (strings, as CloudFormation takes them). */
export function setupParameters(choices: SetupChoices): Record<string, string> {
  const error = validateStackName(choices.stackName);
  if (error) throw new Error(error);
  if (!Number.isInteger(choices.maxVcpus) || choices.maxVcpus < 1)
    throw new Error('Max vCPUs must be a whole number ≥ 1.');
  const parameters: Record<string, string> = {
    ComputeType: choices.computeType,
    MaxVcpus: String(choices.maxVcpus),
    Gpu: String(choices.gpu && !isFargate(choices.computeType)),
    RepositoryName: choices.repositoryName ?? choices.stackName.toLowerCase(),
    ResultsRetentionDays: String(choices.retentionDays ?? 90),
  };
  if (choices.network.kind === 'existing') {
    if (!choices.network.subnetIds.length) throw new Error('The VPC has no subnets to run the jobs in.');
    parameters.VpcId = choices.network.vpcId;
    parameters.SubnetIds = choices.network.subnetIds.join(',');
  }
  return parameters;
}

/**
 * aws-batch.json with the stack's outputs in it: jobQueue, results (bucket, prefix runs/), repository,
 * jobRoleArn and, for Fargate, fargate.executionRoleArn with assignPublicIp (public subnets without a
 * NAT gateway need it to pull the image). Comments and other settings of an existing file are kept.
 * `text` undefined: a new file named after the folder.
 */
export function applySetupOutputs(text: string | undefined, outputs: SetupOutputs, folderName: string): string {
  const errors: ParseError[] = [];
  const existing = text === undefined ? undefined : (parse(text, errors, { allowTrailingComma: true }) as unknown);
  if (
    text !== undefined &&
    (errors.length || typeof existing !== 'object' || existing === null || Array.isArray(existing))
  ) {
    throw new Error('aws-batch.json is not a JSON object; fix it, then set up again (or delete it).');
  }
  let result = text ?? `{\n  "name": ${JSON.stringify(runName(folderName))}\n}\n`;
  const set = (path: (string | number)[], value: unknown) => {
    if (value === undefined) return;
    result = applyEdits(
      result,
      modify(result, path, value, { formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' } }),
    );
  };
  set(['jobQueue'], outputs.jobQueueArn);
  set(['results', 'bucket'], outputs.resultsBucket);
  if (outputs.resultsBucket) set(['results', 'prefix'], SETUP_RESULTS_PREFIX);
  set(['repository'], outputs.repositoryName);
  set(['jobRoleArn'], outputs.jobRoleArn);
  if (isFargate(outputs.computeType)) {
    set(['fargate', 'executionRoleArn'], outputs.executionRoleArn);
    set(['fargate', 'assignPublicIp'], true);
  }
  return result;
}

/** A run name from a folder name (aws-batch.json `name`: letters, digits, _ and -). */
function runName(folderName: string): string {
  const cleaned = folderName
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64);
  return cleaned || 'batch-run';
}
