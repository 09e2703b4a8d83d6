// The state of a windowed list (see virtual.ts for the arithmetic): the viewport, the measured heights and what
// follows from them — which items to render and the padding that stands in for the others. Every value is
// derived from rune state (the items, the viewport, the map of measured heights, replaced on each change), so a
// component reads `visible`, `padTop` and `padBottom` and is re-rendered exactly when they change.
import { itemOffsets, visibleRange } from './virtual';

export interface Measurement {
  key: string;
  height: number;
}

export class VirtualList<T extends { key: string }> {
  /** Scroll position and height of the scrolling element, set by the component. */
  viewTop = $state(0);
  viewHeight = $state(800);

  #items: () => T[];
  #estimate: (item: T) => number;
  /** Pixels rendered beyond the viewport on both sides. */
  overscan = $state(0);
  /**
   * At most this many items are rendered: the last ones of the window (a component renders a long list it just
   * opened at its end a few items a task, P8).
   */
  limit = $state(Infinity);
  #measured = $state.raw(new Map<string, number>());
  // Each item is estimated once, when first seen (a streaming answer is then measured, not estimated again).
  #estimates = new Map<string, number>();

  /** `items` is read inside derivations (pass a getter of state); `overscan` is in pixels on both sides. */
  constructor(items: () => T[], estimate: (item: T) => number, overscan: number) {
    this.#items = items;
    this.#estimate = estimate;
    this.overscan = overscan;
  }

  // `.by` where a derivation reads what the constructor sets: TypeScript cannot see that `$derived` is lazy.
  readonly #indexByKey = $derived.by(() => new Map(this.#items().map((m, i) => [m.key, i])));
  readonly offsets = $derived.by(() => itemOffsets(this.#items().map((m) => this.heightOf(m))));
  readonly #range = $derived.by(() => visibleRange(this.offsets, this.viewTop, this.viewHeight, this.overscan));
  // Numbers, so that a height change that leaves the window where it is does not make a new `visible` array.
  readonly start = $derived(Math.max(this.#range.start, this.#range.end - this.limit));
  readonly end = $derived(this.#range.end);
  readonly visible = $derived.by(() => this.#items().slice(this.start, this.end));
  /** Whether `limit` leaves out items of the window. */
  readonly limited = $derived(this.#range.end - this.#range.start > this.limit);
  readonly padTop = $derived(this.offsets[this.start]);
  readonly padBottom = $derived(this.offsets[this.offsets.length - 1] - this.offsets[this.end]);

  /**
   * Puts the window at the end of the list (the viewport as if scrolled to the bottom), so that a list opened or
   * grown at its end renders its last items first rather than the ones at the old scroll position.
   */
  showEnd(): void {
    this.viewTop = Math.max(0, this.offsets[this.offsets.length - 1] - this.viewHeight);
  }

  heightOf(item: T): number {
    const measured = this.#measured.get(item.key);
    if (measured !== undefined) return measured;
    let estimate = this.#estimates.get(item.key);
    if (estimate === undefined) {
      estimate = this.#estimate(item);
      this.#estimates.set(item.key, estimate);
    }
    return estimate;
  }

  /**
   * Records the heights rendered items report. Returns null when no height changed; else how much the items that
   * lie above `scrollTop` grew (negative: shrank), which is what the scroll position must move by for the content
   * in view to stay put. Keys no longer in the list are ignored.
   */
  measure(sizes: readonly Measurement[], scrollTop: number): number | null {
    const items = this.#items();
    let next: Map<string, number> | null = null;
    let shift = 0;
    const applied: { index: number; delta: number }[] = [];
    for (const { key, height } of sizes) {
      const index = this.#indexByKey.get(key);
      if (index === undefined) continue;
      const before = this.heightOf(items[index]);
      const delta = height - before;
      if (Math.abs(delta) < 0.5) continue;
      // Where the item ended, counting the changes of this batch to the items before it.
      let bottom = this.offsets[index] + before;
      for (const a of applied) if (a.index < index) bottom += a.delta;
      if (bottom <= scrollTop) shift += delta;
      applied.push({ index, delta });
      next ??= new Map(this.#measured);
      next.set(key, height);
    }
    if (!next) return null;
    this.#measured = next;
    return shift;
  }
}
