// The run a run action works on: the Runs view passes its node (it has a runUri), the notices and
// tests a RunArg, a caller may give the run URI as a string; from the palette the user picks one of
// the Runs model's runs that the action applies to.
import * as vscode from 'vscode';
import { runPickItem } from '../models/runs/runFormat';
import type { RunStatus } from '../models/runs/runStatus';
import { formatS3Uri, parseS3Uri } from '../results/s3Uri';
import type { Services } from '../ui/services';
import type { RunArg } from './args';
import { UserError } from './runCommand';

/** A run node of the Runs view, a RunArg, or a run URI. */
export type RunTarget = RunArg | string;

export interface RunChoice {
  /** For the picker's title: "Cancel Run". */
  title: string;
  /** Whether the action applies to a run (the picker offers only those). */
  applies: (run: RunStatus) => boolean;
  /** Why a run given as argument does not qualify. */
  refuse: (run: RunStatus) => string;
  /** What the palette says when no run qualifies. */
  none: string;
}

export async function runFor(
  services: Services,
  target: RunTarget | undefined,
  choice: RunChoice,
): Promise<RunStatus | undefined> {
  const uri = typeof target === 'string' ? target : target?.runUri;
  if (!uri) return pickRun(services, choice);
  let runUri: string;
  try {
    runUri = formatS3Uri(parseS3Uri(uri));
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  let run = services.runs.get(runUri);
  if (!run) {
    await services.runs.refresh();
    run = services.runs.get(runUri);
  }
  if (!run) {
    throw new UserError(
      `${runUri} is not a run the Runs view knows: add its results prefix to the setting awsBatch.runs.resultsLocations.`,
    );
  }
  if (!choice.applies(run)) throw new UserError(choice.refuse(run));
  return run;
}

async function pickRun(services: Services, choice: RunChoice): Promise<RunStatus | undefined> {
  type Item = vscode.QuickPickItem & { run: RunStatus };
  const items = (): Item[] =>
    services.runs
      .runs()
      .filter(choice.applies)
      .map((run) => ({ ...runPickItem(run), run }));
  const pick = vscode.window.createQuickPick<Item>();
  pick.title = `${choice.title}: which run?`;
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  pick.items = items();
  pick.placeholder = 'Choose a run';
  if (!services.runs.loaded || pick.items.length === 0) {
    pick.busy = true;
    pick.placeholder = 'Looking for runs…';
    void services.runs.refresh(!services.runs.loaded).then(() => {
      pick.items = items();
      pick.busy = false;
      pick.placeholder = pick.items.length ? 'Choose a run' : choice.none;
    });
  }
  pick.show();
  const chosen = await new Promise<Item | undefined>((resolve) => {
    pick.onDidAccept(() => resolve(pick.selectedItems[0]));
    pick.onDidHide(() => resolve(undefined));
  });
  pick.dispose();
  return chosen?.run;
}
