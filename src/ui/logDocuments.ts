// Thin VS Code side of Open Full Log: the read-only documents of the `aws-batch-log` scheme, their
// "Load older events" CodeLens, and the progress while older events load. The documents themselves
// are FullLogDocuments (src/logs).
import * as vscode from 'vscode';
import type { JobRef } from '../logs/followRegistry';
import type { FullLogDocuments } from '../logs/fullLogDocuments';
import { COMMANDS } from './ids';

export const LOG_SCHEME = 'aws-batch-log';

export class LogDocumentsView implements vscode.Disposable {
  private readonly documentChanged = new vscode.EventEmitter<vscode.Uri>();
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly documents: FullLogDocuments) {
    this.disposables.push(
      this.documentChanged,
      this.lensesChanged,
      vscode.workspace.registerTextDocumentContentProvider(LOG_SCHEME, {
        onDidChange: this.documentChanged.event,
        provideTextDocumentContent: (uri) => documents.render(uri.toString(), uri.query),
      }),
      vscode.languages.registerCodeLensProvider(
        { scheme: LOG_SCHEME },
        {
          onDidChangeCodeLenses: this.lensesChanged.event,
          provideCodeLenses: (document) => this.lenses(document.uri),
        },
      ),
      vscode.workspace.onDidCloseTextDocument((document) => {
        if (document.uri.scheme === LOG_SCHEME) documents.forget(document.uri.toString());
      }),
    );
  }

  /** Opens the whole log of a job as a read-only document. */
  async openFullLog(ref: JobRef): Promise<vscode.TextEditor> {
    let uri: vscode.Uri | undefined;
    await this.documents.open(ref, ({ path, query }) => {
      uri = vscode.Uri.from({ scheme: LOG_SCHEME, path, query });
      return uri.toString();
    });
    this.documentChanged.fire(uri!);
    this.lensesChanged.fire();
    const document = await vscode.workspace.openTextDocument(uri!);
    await vscode.languages.setTextDocumentLanguage(document, 'log');
    return vscode.window.showTextDocument(document, { preview: false });
  }

  /** Reads one more page of every stream of the document and shows it. */
  async loadOlder(uri: vscode.Uri): Promise<boolean> {
    const key = uri.toString();
    const jobName = this.documents.jobName(key);
    if (jobName === undefined) return false;
    if (!this.documents.hasOlder(key)) {
      vscode.window.setStatusBarMessage(`The whole log of ${jobName} is shown.`, 3000);
      return false;
    }
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Loading older events of ${jobName}` },
      () => this.documents.loadOlder(key),
    );
    this.documentChanged.fire(uri);
    this.lensesChanged.fire();
    return true;
  }

  isLogDocument(uri: vscode.Uri | undefined): boolean {
    return !!uri && this.documents.has(uri.toString());
  }

  private lenses(uri: vscode.Uri): vscode.CodeLens[] {
    if (!this.documents.hasOlder(uri.toString())) return [];
    return [
      new vscode.CodeLens(new vscode.Range(0, 0, 0, 0), {
        title: '$(fold-up) Load older events',
        command: COMMANDS.loadOlderLogEvents,
        arguments: [uri],
      }),
    ];
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}
