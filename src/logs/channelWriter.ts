// The text side of a followed job's output channel: writes are gathered and appended every 100 ms,
// so that a burst of lines costs one append instead of hundreds. No vscode import.

/** The part of an output channel that log following uses (vscode.OutputChannel is one). */
export interface LogChannel {
  readonly name: string;
  append(text: string): void;
  appendLine(text: string): void;
  clear(): void;
  show(preserveFocus?: boolean): void;
  dispose(): void;
}

/** Makes the channel of a followed job, named `name`. */
export type LogChannelFactory = (name: string) => LogChannel;

const FLUSH_MS = 100;

export class ChannelWriter {
  private pending = '';
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** `onFlush` sees every text appended to the channel, when it is appended. */
  constructor(
    private readonly channel: LogChannel,
    private readonly onFlush: (text: string) => void = () => undefined,
  ) {}

  write(text: string): void {
    this.pending += text;
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** A status line: `── text`. */
  notice(text: string): void {
    this.write(`── ${text}\n`);
  }

  /** Appends what is pending now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending) return;
    const text = this.pending;
    this.pending = '';
    this.channel.append(text);
    this.onFlush(text);
  }
}
