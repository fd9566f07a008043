// Set Up and Tear Down: the CloudFormation stack of resources/batch-setup.yaml (compute environment,
// queue, results bucket, ECR repository, roles, security group), deployed and deleted with the
// extension's credentials. Stack events are reported as they come; a failure names the resource that
// failed and CloudFormation's reason.
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  type Parameter,
  type Stack,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DeleteObjectsCommand, paginateListObjectsV2, S3Client } from '@aws-sdk/client-s3';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { AwsStepError } from '../shared/errors';
import type { ClientOptions } from './clients';
import { loadSharedProfiles } from './sharedProfiles';
import { endpointFor, resolveAwsTarget, type AwsSettings, type AwsTarget } from './target';
import { type SetupChoices, setupParameters, type SetupOutputs } from './setupPlan';

export interface SetupClients {
  readonly target: AwsTarget;
  readonly cloudFormation: CloudFormationClient;
  readonly ec2: EC2Client;
  /** Empties the results bucket before Tear Down. */
  readonly s3: S3Client;
  destroy(): void;
}

/** CloudFormation and EC2 clients with the same credentials, region, endpoints and retries as createAwsClients. */
export async function createSetupClients(
  settings: AwsSettings,
  env: Record<string, string | undefined> = process.env,
  options: ClientOptions = {},
): Promise<SetupClients> {
  const target = resolveAwsTarget(settings, env, await loadSharedProfiles());
  const config = {
    region: target.region,
    credentials: defaultProvider({
      ...(target.profile ? { profile: target.profile } : {}),
      ...(options.mfaCodeProvider ? { mfaCodeProvider: options.mfaCodeProvider } : {}),
    }),
    retryMode: target.retryMode ?? 'adaptive',
    maxAttempts: options.maxAttempts ?? target.maxAttempts ?? 4,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 5000,
      requestTimeout: options.requestTimeoutMs ?? 60000,
    },
  };
  const cloudFormation = new CloudFormationClient({ ...config, endpoint: endpointFor(target, 'cloudformation') });
  const ec2 = new EC2Client({ ...config, endpoint: endpointFor(target, 'ec2') });
  const s3Endpoint = endpointFor(target, 's3');
  const s3 = new S3Client({ ...config, endpoint: s3Endpoint, forcePathStyle: s3Endpoint !== undefined });
  return {
    target,
    cloudFormation,
    ec2,
    s3,
    destroy() {
      cloudFormation.destroy();
      ec2.destroy();
      s3.destroy();
    },
  };
}

/** The account's default VPC and its subnets, or undefined when the region has none. */
export async function findDefaultVpc(ec2: EC2Client): Promise<{ vpcId: string; subnetIds: string[] } | undefined> {
  const vpcs = await step('ec2:DescribeVpcs', () =>
    ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] })),
  );
  const vpcId = vpcs.Vpcs?.[0]?.VpcId;
  if (!vpcId) return undefined;
  const subnets = await step('ec2:DescribeSubnets', () =>
    ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })),
  );
  const subnetIds = (subnets.Subnets ?? []).map((subnet) => subnet.SubnetId).filter((id): id is string => !!id);
  return subnetIds.length ? { vpcId, subnetIds } : undefined;
}

/** One stack event, as the progress shows it. */
export interface SetupEvent {
  readonly resource: string;
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
}

/** A deployment or deletion that ended in a failure state; `failures` are the resources that failed, first cause first. */
export class StackFailedError extends Error {
  constructor(
    message: string,
    readonly status: string,
    readonly failures: SetupEvent[],
  ) {
    super(message);
    this.name = 'StackFailedError';
  }
}

export interface WaitOptions {
  /** Milliseconds between polls (default 3000). */
  pollMs?: number;
  onEvent?: (event: SetupEvent) => void;
  signal?: AbortSignal;
}

const CAPABILITIES = ['CAPABILITY_IAM' as const];

/**
 * Creates the stack, or updates it when it exists, and waits for the end. Resolves with the stack's
 * outputs; rejects with StackFailedError naming the failing resources on a rollback.
 */
export async function deployStack(
  cloudFormation: CloudFormationClient,
  templateBody: string,
  choices: SetupChoices,
  options: WaitOptions = {},
): Promise<SetupOutputs> {
  const parameters: Parameter[] = Object.entries(setupParameters(choices)).map(([key, value]) => ({
    ParameterKey: key,
    ParameterValue: value,
  }));
  const existing = await describeStack(cloudFormation, choices.stackName);
  const since = new Date(Date.now() - 1000);
  if (existing && existing.StackStatus === 'ROLLBACK_COMPLETE') {
    throw new StackFailedError(
      `The stack ${choices.stackName} is left over from a failed set-up (ROLLBACK_COMPLETE). Tear it down first, then set up again.`,
      'ROLLBACK_COMPLETE',
      [],
    );
  }
  if (existing) {
    try {
      await step('cloudformation:UpdateStack', () =>
        cloudFormation.send(
          new UpdateStackCommand({
            StackName: choices.stackName,
            TemplateBody: templateBody,
            Parameters: parameters,
            Capabilities: CAPABILITIES,
          }),
        ),
      );
    } catch (error) {
      // Nothing changed: the stack is already what was asked for.
      if (/No updates are to be performed/i.test(messageOf(error))) return outputsOf(existing);
      throw error;
    }
  } else {
    await step('cloudformation:CreateStack', () =>
      cloudFormation.send(
        new CreateStackCommand({
          StackName: choices.stackName,
          TemplateBody: templateBody,
          Parameters: parameters,
          Capabilities: CAPABILITIES,
          OnFailure: 'ROLLBACK',
          Tags: [{ Key: 'batch-runner:managed', Value: 'true' }],
        }),
      ),
    );
  }
  const stack = await waitForStack(cloudFormation, choices.stackName, since, options);
  if (!stack)
    throw new StackFailedError(`The stack ${choices.stackName} disappeared while it was created.`, 'GONE', []);
  return outputsOf(stack);
}

/**
 * Deletes the stack and waits until it is gone. With `emptyBucket`, the results bucket's objects are
 * deleted first (CloudFormation deletes only empty buckets); without, a bucket that holds objects is
 * kept (retained) and its name returned.
 */
export async function deleteStack(
  cloudFormation: CloudFormationClient,
  s3: S3Client,
  stackName: string,
  emptyBucket: boolean,
  options: WaitOptions = {},
): Promise<{ keptBucket?: string }> {
  const existing = await describeStack(cloudFormation, stackName);
  if (!existing) return {};
  const bucket = outputsOf(existing).resultsBucket;
  if (bucket && emptyBucket) await emptyTheBucket(s3, bucket, options.signal);
  const since = new Date(Date.now() - 1000);
  await step('cloudformation:DeleteStack', () => cloudFormation.send(new DeleteStackCommand({ StackName: stackName })));
  try {
    await waitForStack(cloudFormation, stackName, since, options);
    return {};
  } catch (error) {
    // The bucket still holds results: delete the rest and keep the bucket.
    if (
      error instanceof StackFailedError &&
      error.status === 'DELETE_FAILED' &&
      error.failures.some((failure) => failure.resource === 'ResultsBucket')
    ) {
      await step('cloudformation:DeleteStack', () =>
        cloudFormation.send(new DeleteStackCommand({ StackName: stackName, RetainResources: ['ResultsBucket'] })),
      );
      await waitForStack(cloudFormation, stackName, new Date(), options);
      return { keptBucket: bucket };
    }
    throw error;
  }
}

/** Deletes every object of the bucket (its run folders), 1000 at a time. */
async function emptyTheBucket(s3: S3Client, bucket: string, signal?: AbortSignal): Promise<void> {
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket })) {
    signal?.throwIfAborted();
    const keys = (page.Contents ?? []).map((object) => ({ Key: object.Key! }));
    if (!keys.length) continue;
    await step('s3:DeleteObject', () =>
      s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } })),
    );
  }
}

export async function describeStack(
  cloudFormation: CloudFormationClient,
  stackName: string,
): Promise<Stack | undefined> {
  try {
    const answer = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = answer.Stacks?.[0];
    return stack && stack.StackStatus !== 'DELETE_COMPLETE' ? stack : undefined;
  } catch (error) {
    if (/does not exist/i.test(messageOf(error))) return undefined;
    throw new AwsStepError('cloudformation:DescribeStacks', error);
  }
}

/** Polls until the stack leaves *_IN_PROGRESS; undefined when it is gone (deleted). */
async function waitForStack(
  cloudFormation: CloudFormationClient,
  stackName: string,
  since: Date,
  options: WaitOptions,
): Promise<Stack | undefined> {
  const seen = new Set<string>();
  const events: StackEvent[] = [];
  const pollMs = options.pollMs ?? 3000;
  for (;;) {
    options.signal?.throwIfAborted();
    const stack = await describeStack(cloudFormation, stackName);
    const fresh = await newEvents(cloudFormation, stack?.StackId ?? stackName, since, seen);
    for (const event of fresh) {
      events.push(event);
      options.onEvent?.(toSetupEvent(event));
    }
    if (!stack) return undefined;
    const status = stack.StackStatus ?? '';
    if (!status.endsWith('_IN_PROGRESS')) {
      if (status === 'CREATE_COMPLETE' || status === 'UPDATE_COMPLETE') return stack;
      const failures = events
        .filter((event) => event.ResourceStatus?.endsWith('_FAILED') && event.LogicalResourceId !== stackName)
        .filter((event) => !/cancel/i.test(event.ResourceStatusReason ?? ''))
        .reverse()
        .map(toSetupEvent);
      const cause = failures[0];
      throw new StackFailedError(
        cause
          ? `The stack ${stackName} ended in ${status}: ${cause.resource} (${cause.type}) failed: ${cause.reason ?? 'no reason given'}`
          : `The stack ${stackName} ended in ${status}${stack.StackStatusReason ? `: ${stack.StackStatusReason}` : ''}.`,
        status,
        failures,
      );
    }
    await sleep(pollMs, options.signal);
  }
}

/** Events since `since` not seen before, oldest first. */
async function newEvents(
  cloudFormation: CloudFormationClient,
  stackId: string,
  since: Date,
  seen: Set<string>,
): Promise<StackEvent[]> {
  let answer;
  try {
    answer = await cloudFormation.send(new DescribeStackEventsCommand({ StackName: stackId }));
  } catch (error) {
    if (/does not exist/i.test(messageOf(error))) return [];
    throw new AwsStepError('cloudformation:DescribeStackEvents', error);
  }
  const fresh = (answer.StackEvents ?? []).filter(
    (event) => event.EventId && !seen.has(event.EventId) && (!event.Timestamp || event.Timestamp >= since),
  );
  for (const event of fresh) seen.add(event.EventId!);
  return fresh.reverse();
}

function toSetupEvent(event: StackEvent): SetupEvent {
  return {
    resource: event.LogicalResourceId ?? '?',
    type: event.ResourceType ?? '',
    status: event.ResourceStatus ?? '',
    ...(event.ResourceStatusReason ? { reason: event.ResourceStatusReason } : {}),
  };
}

export function outputsOf(stack: Stack): SetupOutputs {
  const get = (key: string) => stack.Outputs?.find((output) => output.OutputKey === key)?.OutputValue;
  return {
    jobQueueArn: get('JobQueueArn'),
    resultsBucket: get('ResultsBucketName'),
    repositoryName: get('RepositoryName'),
    jobRoleArn: get('JobRoleArn'),
    executionRoleArn: get('ExecutionRoleArn'),
    computeType: get('ComputeType'),
    publicSubnets: get('PublicSubnets') === 'true',
  };
}

async function step<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new AwsStepError(action, error);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener('abort', aborted, { once: true });
  });
}
