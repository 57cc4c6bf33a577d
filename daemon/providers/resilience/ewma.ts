// An exponentially weighted moving average that starts at its first sample (no bias toward 0).
export class Ewma {
  private current: number | null = null;
  constructor(private readonly alpha: number) {}

  add(sample: number): void {
    this.current = this.current === null ? sample : this.alpha * sample + (1 - this.alpha) * this.current;
  }

  get value(): number | null {
    return this.current;
  }
}
