// Which runs this window watches (submitted here, re-run here, or pinned with Watch Run), kept in
// workspaceState so a reload still brings the finish notice of a run that is still going.
import * as vscode from 'vscode';
import type { RunsModel } from '../models/runs/runsModel';

const STATE_KEY = 'awsBatch.runs.watched';
/** Runs remembered at most; the oldest go first (a finished run needs no watching anyway). */
const MAX_REMEMBERED = 50;

export class RunWatches implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string>();
  /** A run was watched or unwatched (its row and the status bar show it). */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly model: Pick<RunsModel, 'watch' | 'unwatch'>,
    private readonly state: vscode.Memento,
  ) {
    for (const runUri of this.remembered()) model.watch(runUri);
  }

  /** Whether any run is remembered from an earlier session (the Runs model should load for it). */
  get any(): boolean {
    return this.remembered().length > 0;
  }

  watch(runUri: string): Thenable<void> {
    this.model.watch(runUri);
    this.changed.fire(runUri);
    const next = [...this.remembered().filter((uri) => uri !== runUri), runUri].slice(-MAX_REMEMBERED);
    return this.state.update(STATE_KEY, next);
  }

  unwatch(runUri: string): Thenable<void> {
    this.model.unwatch(runUri);
    this.changed.fire(runUri);
    return this.forget(runUri);
  }

  /** The run ended: the model keeps showing it as watched, the next window need not. */
  forget(runUri: string): Thenable<void> {
    return this.state.update(
      STATE_KEY,
      this.remembered().filter((uri) => uri !== runUri),
    );
  }

  dispose(): void {
    this.changed.dispose();
  }

  private remembered(): string[] {
    const value = this.state.get<unknown>(STATE_KEY);
    return Array.isArray(value) ? value.filter((uri): uri is string => typeof uri === 'string') : [];
  }
}
