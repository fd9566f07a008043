// Open run.json / Open summary.json: the run's file from S3 as a read-only JSON document.
import { isEnded } from '../models/runs/runFormat';
import type { RunStatus } from '../models/runs/runStatus';
import type { Services } from '../ui/services';
import type { CommandFactory } from './runCommand';
import { UserError } from './runCommand';
import { runFor, type RunTarget } from './pickRun';

async function openRunFile(services: Services, run: RunStatus, name: 'run.json' | 'summary.json'): Promise<string> {
  const file = await (await services.runFiles()).read(`${run.runUri}${name}`);
  if (file.kind !== 'found') {
    throw new UserError(
      name === 'summary.json'
        ? `Run ${run.runId} has no summary.json: the manager writes it when the run ends${run.state === 'lost' ? ', and this run ended without it' : ''}.`
        : `Run ${run.runId} has no run.json in ${run.runUri}.`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(file.text);
  } catch {
    throw new UserError(`The ${name} of ${run.runId} is not valid JSON (truncated or damaged).`);
  }
  const path = `/runs/${run.runId}/${name}`;
  await services.documents.show(path, value);
  return path;
}

export const openRunJson: CommandFactory<[target?: RunTarget]> = (services) => async (target) => {
  const run = await runFor(services, target, {
    title: 'Open run.json',
    applies: () => true,
    refuse: () => '',
    none: 'No runs found.',
  });
  return run ? openRunFile(services, run, 'run.json') : undefined;
};

export const openSummaryJson: CommandFactory<[target?: RunTarget]> = (services) => async (target) => {
  const run = await runFor(services, target, {
    title: 'Open summary.json',
    applies: isEnded,
    refuse: (r) => `Run ${r.runId} is ${r.state}: summary.json is written when it ends.`,
    none: 'No run has ended yet.',
  });
  return run ? openRunFile(services, run, 'summary.json') : undefined;
};
