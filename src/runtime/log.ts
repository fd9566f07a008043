// Log lines on stderr with a timestamp and who speaks ("manager", "worker 3"). Never pass the run
// secret or a proof to these functions.
export type Log = (message: string) => void;

export function createLog(who: string, stream: NodeJS.WritableStream = process.stderr): Log {
  return (message) => stream.write(`${new Date().toISOString()} [${who}] ${message}\n`);
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
