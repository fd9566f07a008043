// extensionTestsPath entry for `npm run bench -- activation`: activates the extension inside the
// real extension host and writes the time it measured (bundle evaluation + activate()) to BENCH_OUT.
import { writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../src/extension';

export async function run(): Promise<void> {
  const out = process.env.BENCH_OUT;
  if (!out) throw new Error('BENCH_OUT is not set');
  const extension = vscode.extensions.getExtension<ExtensionApi>('aws-batch-runner.aws-batch-runner');
  if (!extension) throw new Error('the extension is not loaded');
  const api = await extension.activate();
  writeFileSync(out, JSON.stringify({ activationMs: api.activationMs }));
}
