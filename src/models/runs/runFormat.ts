// Words and numbers the Runs view, its status bar item and its notifications show for a run, and
// which actions apply to it. Pure (no vscode), so the unit tests pin every sentence down.
import { formatDuration, formatTime, shortId } from '../jobFormat';
import { escapeMarkdown } from '../markdown';
import type { FailedTask } from './runFiles';
import { ACTIVE_STATES, type RunState, type RunStatus } from './runStatus';

export { formatDuration } from '../jobFormat';

/** States a run never leaves: its files may be deleted and its failed tasks run again. */
export const ENDED_STATES: ReadonlySet<RunState> = new Set(['succeeded', 'failed', 'cancelled', 'lost']);

export const isActive = (run: Pick<RunStatus, 'state'>): boolean => ACTIVE_STATES.has(run.state);
export const isEnded = (run: Pick<RunStatus, 'state'>): boolean => ENDED_STATES.has(run.state);
export const canCancel = isActive;
export const canDelete = isEnded;
/** Re-run Failed Tasks: an ended task run (summary.json says the mode) that lists failed tasks. */
export const canRerun = (run: Pick<RunStatus, 'state' | 'mode' | 'failures'>): boolean =>
  isEnded(run) && run.mode !== 'cluster' && run.failures.length > 0;

/** Time left, coarser than a duration: whole minutes (rounded up) once it is more than a minute. */
export function formatEta(ms: number): string {
  if (ms < 60_000) return `${Math.max(1, Math.ceil(ms / 1000))}s`;
  if (ms < 3600_000) return `${Math.ceil(ms / 60_000)}m`;
  return formatDuration(ms);
}

/** vCPU- or GPU-hours: two significant places for small runs, whole numbers for big ones. */
export function formatHours(hours: number): string {
  if (hours === 0) return '0';
  if (hours < 0.01) return '<0.01';
  if (hours < 0.1) return String(Number(hours.toPrecision(1)));
  if (hours < 100) return hours.toFixed(1);
  return Math.round(hours).toLocaleString('en-US');
}

/** "37/100": tasks that ended (succeeded or failed for good) of all. */
export function taskProgress(run: Pick<RunStatus, 'tasks'>): string | undefined {
  const tasks = run.tasks;
  return tasks ? `${tasks.succeeded + tasks.failed}/${tasks.total}` : undefined;
}

function usage(run: Pick<RunStatus, 'vcpuHours' | 'gpuHours'>, unit: 'short' | 'long'): string[] {
  const parts: string[] = [];
  const suffix = unit === 'short' ? '-h' : '-hours';
  if (run.vcpuHours !== undefined) parts.push(`${formatHours(run.vcpuHours)} vCPU${suffix}`);
  if (run.gpuHours) parts.push(`${formatHours(run.gpuHours)} GPU${suffix}`);
  return parts;
}

/**
 * The row's description: `running · 37/100 · 2 failed · 6/8 workers · 4m left` while it runs,
 * `succeeded · 100/100 · 1h 3m · 2.4 vCPU-h` once it ended.
 */
export function runDescription(run: RunStatus): string {
  const parts: string[] = [run.state];
  const progress = taskProgress(run);
  if (progress) parts.push(progress);
  if (run.tasks?.failed) parts.push(`${run.tasks.failed} failed`);
  if (isActive(run)) {
    const { requested, connected } = run.workers;
    if (requested !== undefined && (connected !== undefined || run.state === 'running'))
      parts.push(`${connected ?? 0}/${requested} workers`);
    if (run.etaMs !== undefined) parts.push(`${formatEta(run.etaMs)} left`);
  } else if (run.state === 'unknown') {
    if (run.reason) parts.push(run.reason);
  } else {
    if (run.elapsedMs !== undefined) parts.push(formatDuration(run.elapsedMs));
    parts.push(...usage(run, 'short'));
  }
  // Runs of one configuration share a name: when each was created tells them apart.
  if (run.createdAt !== undefined) parts.push(shortTime(run.createdAt));
  return parts.join(' · ');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Dec 1 17:34" in local time: short enough for a row. */
export function shortTime(ms: number): string {
  const date = new Date(ms);
  const hh = String(date.getHours()).padStart(2, '0');
  const mm = String(date.getMinutes()).padStart(2, '0');
  return `${MONTHS[date.getMonth()]} ${date.getDate()} ${hh}:${mm}`;
}

/** The tooltip, as Markdown (names and reasons escaped): where the run is, when, how far, at what cost. */
export function runTooltipMarkdown(run: RunStatus, watched: boolean): string {
  const lines: string[] = [`**${escapeMarkdown(run.name)}** · ${run.state}`];
  if (run.reason) lines.push(`*${escapeMarkdown(run.reason)}*`);
  const code = (value: string) => `\`${value.replace(/`/g, "'")}\``;
  const rows: [string, string | undefined][] = [
    ['Run', code(run.runUri)],
    ['Created', run.createdAt !== undefined ? formatTime(run.createdAt) : undefined],
    ['Started', run.startedAt !== undefined ? formatTime(run.startedAt) : undefined],
    ['Finished', run.finishedAt !== undefined ? formatTime(run.finishedAt) : undefined],
    [isActive(run) ? 'Running for' : 'Took', run.elapsedMs !== undefined ? formatDuration(run.elapsedMs) : undefined],
    ['Time left', run.etaMs !== undefined ? `about ${formatEta(run.etaMs)}` : undefined],
    ['Tasks', run.tasks ? taskBreakdown(run) : undefined],
    ['Workers', workersText(run)],
    ['Usage', usage(run, 'long').join(', ') || undefined],
    ['Manager job', run.managerJobId ? code(run.managerJobId) : undefined],
    ['Worker jobs', run.workerJobId ? code(run.workerJobId) : undefined],
    ['Re-run of', run.parentRunId ? code(run.parentRunId) : undefined],
  ];
  const table = rows.filter(([, value]) => value).map(([label, value]) => `${label}: ${value}`);
  const footer = watched && isActive(run) ? ['*Watched: a notification says when it ends.*'] : [];
  return [...lines, '', table.join('  \n'), ...(footer.length ? ['', ...footer] : [])].join('\n');
}

function taskBreakdown(run: RunStatus): string {
  const t = run.tasks!;
  const parts = [`${t.succeeded} succeeded`, `${t.failed} failed`];
  if (t.running) parts.push(`${t.running} running`);
  if (t.queued) parts.push(`${t.queued} queued`);
  if (t.retried) parts.push(`${t.retried} retried`);
  return `${t.succeeded + t.failed} of ${t.total} done (${parts.join(', ')})`;
}

function workersText(run: RunStatus): string | undefined {
  const { requested, connected } = run.workers;
  if (requested === undefined) return undefined;
  return connected === undefined ? `${requested} requested` : `${connected} of ${requested} connected`;
}

/**
 * `run;state=running;active;hasFailures;tasks;logs;s3;watched`: package.json's menus test these parts
 * with regexes, so each action shows only where it applies.
 */
export function runContextValue(run: RunStatus, watched: boolean): string {
  const parts = ['run', `state=${run.state}`];
  if (isActive(run)) parts.push('active');
  if (isEnded(run)) parts.push('ended');
  if (run.failures.length) parts.push('hasFailures');
  if (run.mode) parts.push(run.mode);
  // Local runs (file://) have their log in a channel or file, not a manager job; and no S3 console.
  if (run.managerJobId || run.runUri.startsWith('file://')) parts.push('logs');
  parts.push(run.runUri.startsWith('file://') ? 'local' : 's3');
  parts.push(watched ? 'watched' : 'unwatched');
  return parts.join(';');
}

export function exitText(exitCode: number | null | undefined): string {
  return exitCode === null || exitCode === undefined ? 'no exit code' : `exit code ${exitCode}`;
}

/** A failed task's row: `task 3` and `exit 2 · 3 attempts`. */
export function failedTaskText(task: FailedTask): { label: string; description: string } {
  const exit = task.exitCode === null || task.exitCode === undefined ? 'no exit code' : `exit ${task.exitCode}`;
  const attempts = `${task.attempts} attempt${task.attempts === 1 ? '' : 's'}`;
  return { label: `task ${task.index}`, description: `${exit} · ${attempts}` };
}

/** The failures row: how many failed, and whether the list is cut (summary.json lists 100 at most). */
export function failuresLabel(count: number, listed: number): string {
  const noun = `${count} failed task${count === 1 ? '' : 's'}`;
  return listed < count ? `${noun} (first ${listed} listed)` : noun;
}

export type NoticeAction = 'downloadResults' | 'showLogs' | 'showFailedTasks';

export interface RunNotice {
  severity: 'information' | 'warning' | 'error';
  message: string;
  actions: NoticeAction[];
}

/** The one notification a watched run gets when it ends. */
export function finishNotice(run: RunStatus): RunNotice {
  // The run id, not the name: several runs of one configuration share the name.
  const name = run.runId;
  const took = run.elapsedMs !== undefined ? ` in ${formatDuration(run.elapsedMs)}` : '';
  const logs: NoticeAction[] = run.managerJobId ? ['showLogs'] : [];
  switch (run.state) {
    case 'succeeded': {
      const tasks = run.tasks ? `${count(run.tasks.total, 'task')}` : '';
      const what = tasks ? `: ${tasks}${took}` : took;
      return {
        severity: 'information',
        message: `Run ${name} succeeded${what}.`,
        actions: ['downloadResults', ...logs],
      };
    }
    case 'cancelled':
      return {
        severity: 'information',
        message: `Run ${name} was cancelled${run.tasks ? ` with ${taskProgress(run)} tasks done` : ''}.`,
        actions: [...logs],
      };
    default: {
      const verb = run.state === 'lost' ? 'was lost' : run.state === 'failed' ? 'failed' : `ended (${run.state})`;
      const failures: NoticeAction[] = run.failures.length ? ['showFailedTasks'] : [];
      return {
        severity: 'error',
        message: `Run ${name} ${verb}: ${failureSentence(run)}.`,
        actions: [...failures, ...logs],
      };
    }
  }
}

/** "2 of 24 tasks failed (task 3: exit code 1, and 1 more)", with the run's reason when it says more. */
export function failureSentence(run: Pick<RunStatus, 'reason' | 'tasks' | 'failures'>): string {
  const failed = run.tasks?.failed ?? run.failures.length;
  const counted = failed > 0 && run.tasks ? `${failed} of ${run.tasks.total} tasks failed` : undefined;
  let text = run.reason?.replace(/\.$/, '') || counted || 'no reason was recorded';
  // The runtime's reason for a task run is that same count; say it once.
  if (counted && !/tasks? failed/.test(text)) text += `; ${counted}`;
  const first = run.failures[0];
  if (first) {
    const more = failed > 1 ? `, and ${count(failed - 1, 'more')}` : '';
    text += ` (task ${first.index}: ${exitText(first.exitCode)}${more})`;
  }
  return text;
}

/** The status bar: `$(sync~spin) monte-carlo 37/100`, or `$(sync~spin) 2 runs: 37/100, 4/10`. */
export function statusBarText(runs: readonly RunStatus[]): string | undefined {
  if (runs.length === 0) return undefined;
  const shortProgress = (run: RunStatus) => taskProgress(run) ?? run.state;
  if (runs.length === 1) return `$(sync~spin) ${runs[0].name} ${shortProgress(runs[0])}`;
  return `$(sync~spin) ${runs.length} runs: ${runs.map(shortProgress).join(', ')}`;
}

/** The status bar item's tooltip: one line per run. */
export function statusBarTooltip(runs: readonly RunStatus[]): string {
  const lines = runs.map((run) => `${run.name}: ${runDescription(run)}`);
  return [...lines, 'Click to show the Runs view.'].join('\n');
}

/** A run in a Quick Pick: its name, state and progress, and where it is. */
export function runPickItem(run: RunStatus): { label: string; description: string; detail: string } {
  const job = run.managerJobId ? ` · manager ${shortId(run.managerJobId)}` : '';
  return { label: run.name, description: runDescription(run), detail: `${run.runUri}${job}` };
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 || noun === 'more' ? '' : 's'}`;
}
