// Actions on the Job Definitions view: Describe, Deregister, Submit Job, INACTIVE toggle.
import * as vscode from 'vscode';
import { CONTEXT_KEYS } from '../ui/ids';
import type { RevisionNode } from './args';
import { parseCommandOverride, validateJobName } from './jobInput';
import { CommandFactory, onNode, UserError } from './runCommand';

/** An action on a revision node; from the palette it says where to run it. */
const onRevision = (factory: Parameters<typeof onNode<RevisionNode>>[1]) =>
  onNode<RevisionNode>('Run this from a job definition revision in the AWS Batch Job Definitions view.', factory);

export const describeDefinition = onRevision((services) => async (revision) => {
  const definition = services.definitions.definition(revision.arn);
  if (!definition) throw new UserError(`${revision.name}:${revision.revision} is no longer listed; refresh the view.`);
  await services.documents.show(`/job-definitions/${revision.name}-${revision.revision}.json`, definition);
});

export const deregisterDefinition = onRevision((services) => async (revision) => {
  if (revision.status !== 'ACTIVE') throw new UserError(`${revision.name}:${revision.revision} is already inactive.`);
  const answer = await vscode.window.showWarningMessage(
    `Deregister ${revision.name}:${revision.revision}?`,
    { modal: true, detail: 'New jobs cannot use an inactive revision. Jobs already submitted are not affected.' },
    'Deregister',
  );
  if (answer !== 'Deregister') return;
  await services.batch.deregisterJobDefinition(revision.arn);
  services.output.info(`Deregistered ${revision.arn}`);
  await services.definitions.refresh();
});

export const submitFromDefinition = onRevision((services) => async (revision) => {
  if (revision.status !== 'ACTIVE')
    throw new UserError(`${revision.name}:${revision.revision} is inactive; pick an active revision.`);
  const queues = (await services.batch.describeJobQueues()).filter((queue) => queue.state === 'ENABLED');
  if (!queues.length) throw new UserError('There is no enabled job queue in this account and region.');
  const queue = await vscode.window.showQuickPick(
    queues.map((q) => ({ label: q.jobQueueName ?? '', description: `priority ${q.priority ?? 0}` })),
    { title: `Submit ${revision.name}:${revision.revision} (1/3): job queue` },
  );
  if (!queue) return;
  const jobName = await vscode.window.showInputBox({
    title: `Submit ${revision.name}:${revision.revision} (2/3): job name`,
    value: `${revision.name}-${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '')}`.slice(0, 128),
    validateInput: validateJobName,
  });
  if (jobName === undefined) return;
  const commandText = await vscode.window.showInputBox({
    title: `Submit ${revision.name}:${revision.revision} (3/3): command override (optional)`,
    placeHolder: 'Empty: the definition\'s command. Or: python run.py --seed 1, or ["python","run.py"]',
  });
  if (commandText === undefined) return;
  const command = parseCommandOverride(commandText);
  const submitted = await services.batch.submitJob({
    jobName,
    jobQueue: queue.label,
    jobDefinition: revision.arn,
    containerOverrides: command ? { command } : undefined,
  });
  services.output.info(`Submitted ${submitted.jobName} (${submitted.jobId}) to ${queue.label}`);
  void services.jobs.refresh();
  const copy = await vscode.window.showInformationMessage(
    `Submitted ${submitted.jobName} to ${queue.label}.`,
    'Copy Job ID',
  );
  if (copy) await vscode.env.clipboard.writeText(submitted.jobId);
});

export const showInactiveDefinitions: CommandFactory = (services) => async () => {
  await vscode.commands.executeCommand('setContext', CONTEXT_KEYS.definitionsShowInactive, true);
  await services.definitions.setShowInactive(true);
};

export const hideInactiveDefinitions: CommandFactory = (services) => async () => {
  await vscode.commands.executeCommand('setContext', CONTEXT_KEYS.definitionsShowInactive, false);
  await services.definitions.setShowInactive(false);
};
