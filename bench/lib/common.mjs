// Shared by the benchmarks that import the compiled sources (out/): the repository root, a stderr
// logger, the compile step, and the stand-ins' endpoint.
import { execFileSync } from 'node:child_process';

export const root = new URL('../..', import.meta.url).pathname;

/** Logs to stderr, so that stdout keeps only the benchmark's JSON line. */
export function logger(name) {
  return (...args) => console.error(`[bench ${name}]`, ...args);
}

/** Compiles src/ and test/ into out/, which the benchmarks import. */
export function compileTests() {
  execFileSync('npm', ['run', '--silent', 'compile-tests'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** AWS_ENDPOINT_URL of the running stand-ins, or an error saying how to get it. */
export function standInEndpoint() {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) throw new Error('AWS_ENDPOINT_URL is not set: eval "$(bash scripts/backend.sh env)"');
  return endpoint;
}
