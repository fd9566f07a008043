// Read-only JSON documents (Describe Job, Describe Job Definition) under the aws-batch: scheme,
// so they can be read, searched and copied but never saved by mistake.
import * as vscode from 'vscode';

export const JSON_SCHEME = 'aws-batch';

export class JsonDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '{}';
  }

  async show(path: string, value: unknown): Promise<vscode.TextEditor> {
    const uri = vscode.Uri.from({ scheme: JSON_SCHEME, path });
    this.contents.set(uri.toString(), JSON.stringify(value, null, 2) + '\n');
    this.changed.fire(uri);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(document, 'json');
    return vscode.window.showTextDocument(document, { preview: true });
  }

  dispose(): void {
    this.changed.dispose();
  }
}
