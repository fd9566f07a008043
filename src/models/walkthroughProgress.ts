// The Get Started walkthrough's progress: each step is done when its real event happens (a call that
// worked, a queue that exists, an aws-batch.json on disk, a local run that succeeded, ...), not when
// its button is pressed. Each step is a context key that package.json's completionEvents name
// (`onContext:<key>`); VS Code remembers a completed step itself, so a key only ever goes to true.
// Pure: the caller gives the function that sets a context key.

export const WALKTHROUGH_STEPS = [
  'credentials',
  'setUp',
  'configure',
  'runLocally',
  'submit',
  'watch',
  'download',
] as const;
export type WalkthroughStep = (typeof WALKTHROUGH_STEPS)[number];

export class WalkthroughProgress {
  private readonly done = new Map<WalkthroughStep, string>();
  private readonly counts = new Map<WalkthroughStep, number>();

  constructor(
    private readonly keys: Readonly<Record<WalkthroughStep, string>>,
    private readonly setContext: (key: string, value: true) => unknown,
  ) {}

  /**
   * A step's event happened; `because` says which one (the latest is kept, for the tests). The
   * context key is set the first time only. True when this call completed the step.
   */
  complete(step: WalkthroughStep, because: string): boolean {
    const first = !this.done.has(step);
    this.done.set(step, because);
    this.counts.set(step, (this.counts.get(step) ?? 0) + 1);
    if (first) this.setContext(this.keys[step], true);
    return first;
  }

  /** The latest event of a step, or undefined while it has not happened in this window. */
  lastEvent(step: WalkthroughStep): string | undefined {
    return this.done.get(step);
  }

  /** How many times a step's event happened in this window. */
  events(step: WalkthroughStep): number {
    return this.counts.get(step) ?? 0;
  }
}
