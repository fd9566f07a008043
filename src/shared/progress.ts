// How long operations (build, push, Submit) tell what they are doing, without knowing about VS Code:
// the commands adapt these to a progress notification and output channels.

/** Reports the current step; `fraction` (0..1) is how far the whole operation is, when known. */
export interface ProgressReporter {
  report(message: string, fraction?: number): void;
}

/** Receives output lines (build steps, push progress, decisions). Never given a credential. */
export type LineSink = (line: string) => void;
