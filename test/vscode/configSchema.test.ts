// aws-batch.json in the editor: JSON with comments, checked and completed from the contributed schema
// by VS Code's own JSON language server.
import * as assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

suite('aws-batch.json in the editor (extension host)', function () {
  this.timeout(60_000);
  let dir: string;

  suiteSetup(async () => {
    await vscode.extensions.getExtension('aws-batch-runner.aws-batch-runner')!.activate();
    dir = join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'schema-check');
    mkdirSync(dir, { recursive: true });
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(dir, { recursive: true, force: true });
  });

  test('wrong types and unknown settings are flagged while editing; comments are fine', async () => {
    const file = join(dir, 'aws-batch.json');
    writeFileSync(
      file,
      [
        '{',
        '  // comments are allowed',
        '  "jobqueue": "research-queue",',
        '  "results": { "bucket": "batch-runner-results" },',
        '  "resources": { "memory": "2GB" },',
        '  "tasks": { "command": ["true"], "count": 1 }',
        '}',
        '',
      ].join('\n'),
    );
    const document = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(document);
    assert.equal(document.languageId, 'jsonc');
    const diagnostics = await waitFor('schema diagnostics', () => {
      const found = vscode.languages.getDiagnostics(document.uri);
      return found.length >= 2 ? found : undefined;
    });
    const messages = diagnostics.map((d) => `${d.range.start.line}: ${d.message}`);
    assert.ok(
      messages.some((m) => m.startsWith('2:') && /jobqueue/i.test(m)),
      `unknown "jobqueue" on line 3: ${messages.join(' | ')}`,
    );
    assert.ok(
      messages.some((m) => m.startsWith('4:') && /type|integer/i.test(m)),
      `"2GB" is not a number: ${messages.join(' | ')}`,
    );
    assert.ok(
      messages.some((m) => /jobQueue/.test(m)),
      `the missing "jobQueue" is named: ${messages.join(' | ')}`,
    );
    assert.ok(!messages.some((m) => /comment/i.test(m)), `comments are not errors: ${messages.join(' | ')}`);
  });

  test('completion offers the settings, also for an aws-batch.json in a subfolder', async () => {
    mkdirSync(join(dir, 'nested'), { recursive: true });
    const file = join(dir, 'nested', 'aws-batch.json');
    writeFileSync(file, '{\n  \n}\n');
    const document = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(document);
    const items = await waitFor('completion items', async () => {
      const list = await vscode.commands.executeCommand<vscode.CompletionList>(
        'vscode.executeCompletionItemProvider',
        document.uri,
        new vscode.Position(1, 2),
      );
      const labels = list.items.map((item) => (typeof item.label === 'string' ? item.label : item.label.label));
      return labels.some((label) => label.includes('jobQueue')) ? list.items : undefined;
    });
    const labels = items.map((item) => (typeof item.label === 'string' ? item.label : item.label.label));
    for (const key of ['jobQueue', 'results', 'tasks', 'cluster', 'resources', 'workers', 'platform']) {
      assert.ok(
        labels.some((label) => label.includes(key)),
        `${key} offered: ${labels.join(', ')}`,
      );
    }
  });
});
