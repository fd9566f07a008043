// A failed build inside a real extension host: "Build and Push Image" on a Dockerfile whose RUN
// fails (lines 3-4) shows one error message with the step and its last lines, and its "Open
// Dockerfile" button opens the workspace's Dockerfile with that instruction's lines selected.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

async function setting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('awsBatch').update(key, value, vscode.ConfigurationTarget.Global);
}

suite('a failed build: Open Dockerfile (extension host)', function () {
  this.timeout(240_000);
  const id = Date.now().toString(36);
  let folder: string;

  suiteSetup(async () => {
    await vscode.extensions.getExtension('aws-batch-runner.aws-batch-runner')!.activate();
    folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    assert.ok(!existsSync(join(folder, 'aws-batch.json')), 'the sample workspace has no aws-batch.json of its own');
    await setting('registryHost', process.env.BATCH_RUNNER_REGISTRY ?? '127.0.0.1:5000');
    mkdirSync(join(folder, 'build-error-test'), { recursive: true });
    writeFileSync(
      join(folder, 'build-error-test/Dockerfile'),
      'FROM local/debian:bookworm\n# the compile step\nRUN echo "compiling" && echo "error: missing header" \\\n    && exit 2\nCMD ["true"]\n',
    );
    writeFileSync(
      join(folder, 'aws-batch.json'),
      JSON.stringify({
        name: `host-build-error-${id}`,
        repository: `host-build-error-${id}`,
        dockerfile: 'build-error-test/Dockerfile',
        context: 'build-error-test',
        jobQueue: 'research-queue',
        results: { bucket: 'batch-runner-results' },
        tasks: { command: ['true'], count: 1 },
      }),
    );
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await setting('registryHost', undefined);
    rmSync(join(folder, 'build-error-test'), { recursive: true, force: true });
    rmSync(join(folder, 'aws-batch.json'), { force: true });
  });

  test('the error names the step and its last lines; Open Dockerfile selects the failing RUN', async () => {
    const window = vscode.window as { showErrorMessage: (...args: unknown[]) => Thenable<unknown> };
    const original = window.showErrorMessage;
    const shown: { message: string; buttons: string[] }[] = [];
    window.showErrorMessage = async (...args: unknown[]) => {
      shown.push({ message: String(args[0]), buttons: args.slice(1).map(String) });
      return 'Open Dockerfile';
    };
    try {
      await vscode.commands.executeCommand('awsBatch.buildAndPushImage');
    } finally {
      window.showErrorMessage = original;
    }
    assert.equal(shown.length, 1, JSON.stringify(shown));
    const [{ message, buttons }] = shown;
    assert.match(message, /^The Docker build failed at step 2\/2 \(RUN echo "compiling"/);
    assert.match(message, /Last lines:\ncompiling\nerror: missing header/);
    assert.deepEqual(buttons, ['Open Dockerfile', 'Show Build Output']);

    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'an editor is open');
    assert.equal(editor.document.uri.fsPath, join(folder, 'build-error-test', 'Dockerfile'));
    const { start, end } = editor.selection;
    assert.deepEqual([start.line, start.character, end.line], [2, 0, 3]);
    assert.equal(end.character, editor.document.lineAt(3).text.length);
  });
});
