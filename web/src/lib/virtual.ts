// Windowed rendering of a long list whose items have different, changing heights: heights are measured once an
// item has been rendered and estimated before; only the items near the viewport are in the DOM, with padding
// standing in for the rest. Pure arithmetic here; the chat view does the DOM part.

export class HeightIndex {
  private heights = new Map<string, number>();
  private offsets: number[] = [0];
  private keys: string[] = [];
  private dirty = true;

  private estimates = new Map<string, number>();

  constructor(private estimate = 160) {}

  hasEstimate(key: string): boolean {
    return this.estimates.has(key);
  }

  /** A better guess than the default for an item not measured yet (from its content). */
  setEstimate(key: string, height: number): void {
    if (this.estimates.get(key) !== height) {
      this.estimates.set(key, height);
      if (!this.heights.has(key)) this.dirty = true;
    }
  }

  /** Sets the list of item keys (in order). */
  setKeys(keys: string[]): void {
    this.keys = keys;
    this.dirty = true;
  }

  /** Records a measured height; returns the change (0 when unchanged). */
  measure(key: string, height: number): number {
    const before = this.heightOf(key);
    if (Math.abs(before - height) < 0.5 && this.heights.has(key)) return 0;
    this.heights.set(key, height);
    this.dirty = true;
    return height - before;
  }

  heightOf(key: string): number {
    return this.heights.get(key) ?? this.estimates.get(key) ?? this.estimate;
  }

  private build(): void {
    if (!this.dirty) return;
    const offsets = new Array<number>(this.keys.length + 1);
    offsets[0] = 0;
    for (let i = 0; i < this.keys.length; i++) offsets[i + 1] = offsets[i] + this.heightOf(this.keys[i]);
    this.offsets = offsets;
    this.dirty = false;
  }

  /** Top of item i (i may be the length: the total height). */
  offset(i: number): number {
    this.build();
    return this.offsets[Math.max(0, Math.min(i, this.keys.length))];
  }

  get total(): number {
    return this.offset(this.keys.length);
  }

  /** Index of the item that contains the vertical position y. */
  indexAt(y: number): number {
    this.build();
    let lo = 0, hi = this.keys.length - 1;
    if (hi < 0) return 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.offsets[mid] <= y) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The items to render for a viewport [top, top + height), with `overscan` pixels on both sides. */
  range(top: number, height: number, overscan: number): { start: number; end: number } {
    if (this.keys.length === 0) return { start: 0, end: 0 };
    const start = this.indexAt(Math.max(0, top - overscan));
    const end = Math.min(this.keys.length, this.indexAt(top + height + overscan) + 1);
    return { start, end };
  }
}
