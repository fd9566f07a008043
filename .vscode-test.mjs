// For people who run the extension-host tests in desktop VS Code (`npx vscode-test`, or the
// Extension Test Runner). CI uses code-server instead: scripts/vscode-tests.mjs.
// Start the stand-ins first and export their environment: eval "$(bash scripts/backend.sh env)".
import { defineConfig } from '@vscode/test-cli';

export default defineConfig({
  files: 'out/test/vscode/**/*.test.js',
  version: '1.100.3',
  workspaceFolder: './demo/workspace',
  mocha: { ui: 'tdd', timeout: 30000 },
});
