// Idle shutdown: fires once after `timeoutMs` with no attached clients and no HTTP traffic.
export class IdleWatch {
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private fired = false;

  constructor(
    private readonly timeoutMs: number,
    private readonly clientCount: () => number,
    private readonly onIdle: (() => void) | undefined,
    private readonly onActivity?: () => void,
  ) {}

  /** Something happened (a request arrived or finished, a client left): restart the clock. */
  touch(): void {
    this.onActivity?.();
    if (this.timeoutMs <= 0 || this.fired || this.onIdle === undefined) {
      return;
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.clientCount() > 0 || this.inFlight > 0) {
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.clientCount() === 0 && this.inFlight === 0 && !this.fired) {
        this.fired = true;
        this.onIdle?.();
      }
    }, this.timeoutMs);
    this.timer.unref();
  }

  /** Marks a request in flight until the returned function is called. */
  begin(): () => void {
    this.inFlight++;
    this.touch();
    let ended = false;
    return () => {
      if (!ended) {
        ended = true;
        this.inFlight--;
        this.touch();
      }
    };
  }

  stop(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.fired = true;
  }
}
