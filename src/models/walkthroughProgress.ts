// The Get Started walkthrough's progress: each step is done when its real event happens (a call that
// worked, a queue that exists, an aws-batch.json on disk, a local run that succeeded, ...), not when
// its button is pressed. Each step has a context key that package.json's completionEvents name
// (`onContext:<key>`).
//
// Why a pulse (true, then false) and a replay: VS Code 1.100's walkthrough service is created the
// first time a Welcome or walkthrough page opens, and a step whose onContext key is ALREADY true when
// the service registers it never completes in that window (the event counts as seen). So a key is
// true only for a moment, and every step that happened (in this window or, remembered, an earlier
// one) is pulsed again when such a page opens. VS Code remembers a completed step itself.
// Pure: the caller gives the function that sets a context key and the memory across windows.

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

export interface WalkthroughMemory {
  /** Steps whose event happened in an earlier window. */
  readonly steps: readonly WalkthroughStep[];
  remember(steps: WalkthroughStep[]): unknown;
}

export class WalkthroughProgress {
  private readonly done = new Map<WalkthroughStep, string>();
  private readonly counts = new Map<WalkthroughStep, number>();
  private readonly happened: Set<WalkthroughStep>;

  constructor(
    private readonly keys: Readonly<Record<WalkthroughStep, string>>,
    private readonly setContext: (key: string, value: boolean) => unknown,
    private readonly memory: WalkthroughMemory = { steps: [], remember: () => undefined },
  ) {
    this.happened = new Set(memory.steps.filter((step) => WALKTHROUGH_STEPS.includes(step)));
  }

  /**
   * A step's event happened; `because` says which one (the latest is kept, for the tests). The first
   * time in a window its key is pulsed. True when this call was that first time.
   */
  complete(step: WalkthroughStep, because: string): boolean {
    const first = !this.done.has(step);
    this.done.set(step, because);
    this.counts.set(step, (this.counts.get(step) ?? 0) + 1);
    if (!first) return false;
    if (!this.happened.has(step)) {
      this.happened.add(step);
      this.memory.remember([...this.happened]);
    }
    void this.pulse(step);
    return true;
  }

  /** Pulses every step that ever happened: a Welcome or walkthrough page has just opened. */
  async replay(): Promise<void> {
    for (const step of this.happened) await this.pulse(step);
  }

  /** The latest event of a step, or undefined while it has not happened in this window. */
  lastEvent(step: WalkthroughStep): string | undefined {
    return this.done.get(step);
  }

  /** How many times a step's event happened in this window. */
  events(step: WalkthroughStep): number {
    return this.counts.get(step) ?? 0;
  }

  private async pulse(step: WalkthroughStep): Promise<void> {
    await this.setContext(this.keys[step], true);
    await this.setContext(this.keys[step], false);
  }
}
