// extensionTestsPath entry of the Restricted Mode run: scripts/vscode-tests.mjs starts a second
// code-server with workspace trust on and the test folder untrusted, and runs only these files.
import { runTestsIn } from '../index';

export function run(): Promise<void> {
  return runTestsIn(__dirname);
}
