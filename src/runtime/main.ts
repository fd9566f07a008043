// The runtime that runs inside the job containers (plain Node 20, no vscode). The manager/worker
// protocol lands with the runtime issue; until then it only identifies itself and refuses the rest.
import { VERSION } from './version';

export function main(argv: string[]): number {
  const [command] = argv;
  if (command === '--version' || command === 'version') {
    process.stdout.write(`aws-batch-runner runtime ${VERSION}\n`);
    return 0;
  }
  process.stderr.write(
    'usage: node runtime.js manager | worker | local --workers N <run-dir> | --version\n' +
      (command ? `"${command}" is not available in this version of the runtime.\n` : ''),
  );
  return 2;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
