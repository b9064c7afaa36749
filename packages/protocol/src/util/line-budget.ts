/**
 * Lets through at most `perWindow` lines per `windowMs` and counts the rest, so a server that
 * floods its output is reported (first lines, then how many were dropped) without the manager
 * spending its memory and CPU on every line. The count of a window is handed to `onDropped`
 * when the window ends, by a timer that does not keep the process alive.
 */
export class LineBudget {
  private windowStart = 0;
  private passed = 0;
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly perWindow: number,
    private readonly windowMs: number,
    private readonly onDropped: (count: number, windowMs: number) => void,
  ) {}

  /** True when this line may be reported; false when it is only counted. */
  take(now = Date.now()): boolean {
    if (now - this.windowStart >= this.windowMs) {
      this.flush();
      this.windowStart = now;
      this.passed = 0;
    }
    if (this.passed < this.perWindow) {
      this.passed += 1;
      return true;
    }
    this.dropped += 1;
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, this.windowMs);
      this.timer.unref();
    }
    return false;
  }

  /** Report what was dropped so far (also when the stream ends). */
  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.dropped === 0) return;
    const count = this.dropped;
    this.dropped = 0;
    this.onDropped(count, this.windowMs);
  }
}
