// The run secret lives only in the store (and in memory): never on a command line, in a job's
// environment or in a log line, since DescribeJobs shows the first two to anyone who can list jobs.
import { formatSecret, newSecret, parseSecret } from '../protocol/auth';
import { KEYS, type RunStore } from './store';

/** Manager: the run's secret, created and stored when absent (Submit may have written one). */
export async function ensureSecret(store: RunStore): Promise<Buffer> {
  const secret = newSecret();
  if (await store.create(KEYS.secret, formatSecret(secret), { private: true })) return secret;
  const existing = await store.read(KEYS.secret);
  if (existing === undefined) throw new Error('the run secret exists but cannot be read');
  return parseSecret(existing);
}

/** Worker: the secret the manager stored, or undefined while it is not there yet. */
export async function readSecret(store: RunStore): Promise<Buffer | undefined> {
  const data = await store.read(KEYS.secret);
  return data === undefined ? undefined : parseSecret(data);
}
