// Words and numbers shown for a job: short id, times, durations. Pure, so the tests pin them down.

export function shortId(jobId: string): string {
  const [base, index] = jobId.split(':');
  return index === undefined ? base.slice(0, 8) : `${base.slice(0, 8)}:${index}`;
}

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

export function formatTime(epochMs: number | undefined): string {
  if (epochMs === undefined) return '–';
  return new Date(epochMs)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

/**
 * A text that does not change while the job waits or runs ("running since 14:02"), so a refresh
 * re-renders a job only when its data changed; finished jobs show how long they ran.
 */
export function jobTiming(
  job: { status: string; createdAt?: number; startedAt?: number; stoppedAt?: number },
  timeZone?: string,
): string {
  const clock = (ms: number) =>
    new Date(ms).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone });
  if (job.stoppedAt !== undefined) {
    const from = job.startedAt ?? job.createdAt;
    return from !== undefined ? `ran ${formatDuration(job.stoppedAt - from)}` : 'stopped';
  }
  if (job.status === 'SUCCEEDED' || job.status === 'FAILED') return '';
  if (job.startedAt !== undefined) return `running since ${clock(job.startedAt)}`;
  if (job.createdAt !== undefined) return `waiting since ${clock(job.createdAt)}`;
  return '';
}
