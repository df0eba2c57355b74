/** A background task that does one bounded pass of its work per tick. */
export interface Job {
  name: string;
  runOnce(): Promise<unknown>;
}

/**
 * Runs background jobs (approval timeouts, notification delivery, …) every `intervalMs`, one tick
 * at a time. Jobs take their work with compare-and-set claims, so a tick here and one on another
 * replica (or a test calling `runOnce`) never do the same work twice. Time inside the jobs comes
 * from the injected clock; this interval only says how often to look.
 */
export class JobRunner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly jobs: Job[],
    private readonly onError: (job: string, e: unknown) => void,
  ) {}

  /** One pass of every job, in order; one job failing does not stop the others. */
  async runOnce(): Promise<void> {
    for (const job of this.jobs) {
      try {
        await job.runOnce();
      } catch (e) {
        this.onError(job.name, e);
      }
    }
  }

  start(intervalMs: number): void {
    if (this.timer || intervalMs <= 0) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
      });
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
