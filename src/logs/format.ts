// How followed lines look in an output channel: `[manager] …` / `[worker 3] …` prefixes, one prefix
// per physical line of a multi-line message, an optional local time. No vscode import.
import type { FollowedLine } from './follower';

export interface FormatOptions {
  timestamps?: boolean;
}

export function formatLines(lines: readonly FollowedLine[], options: FormatOptions = {}): string {
  let out = '';
  for (const line of lines) {
    const prefix = (options.timestamps ? `${clockTime(line.timestamp)} ` : '') + (line.label ? `[${line.label}] ` : '');
    const message = line.message.replace(/\r?\n$/, '');
    for (const part of message.split(/\r?\n/)) out += `${prefix}${part}\n`;
  }
  return out;
}

/** HH:MM:SS.mmm in local time. */
export function clockTime(epochMs: number): string {
  const date = new Date(Math.floor(epochMs));
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** YYYY-MM-DD HH:MM:SS.mmm in local time. */
export function dateTime(epochMs: number): string {
  const date = new Date(Math.floor(epochMs));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${clockTime(epochMs)}`;
}
