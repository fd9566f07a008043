// Whether a workspace folder has aws-batch.json at its root (where Submit reads it): the status bar
// item and the walkthrough's "configure" step follow it.
import * as vscode from 'vscode';
import { CONFIG_FILE } from '../config/fileName';

export class ConfigPresence implements vscode.Disposable {
  private found: string[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after a look at the folders (a file appeared, changed or went, or the folders changed). */
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor() {
    const watcher = vscode.workspace.createFileSystemWatcher(`**/${CONFIG_FILE}`);
    const look = () => void this.look();
    this.disposables.push(
      watcher,
      watcher.onDidCreate(look),
      watcher.onDidChange(look),
      watcher.onDidDelete(look),
      vscode.workspace.onDidChangeWorkspaceFolders(look),
    );
    look();
  }

  /** The aws-batch.json files found at the folders' roots. */
  get files(): readonly string[] {
    return this.found;
  }

  private async look(): Promise<void> {
    const found: string[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const file = vscode.Uri.joinPath(folder.uri, CONFIG_FILE);
      const exists = await vscode.workspace.fs.stat(file).then(
        () => true,
        () => false,
      );
      if (exists) found.push(file.fsPath);
    }
    this.found = found;
    this.changed.fire();
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}
