// Windowed rendering of a long list whose items have different, changing heights: the arithmetic. Each item has a
// height (measured once rendered, estimated before); the offsets are the running sums, and only the items that
// overlap the viewport (plus some overscan) are rendered, with padding standing in for the rest.
// virtual_list.svelte.ts keeps the heights as state; components/chat/MessageList.svelte does the DOM part.

/** The top of every item, then the total height: offsets[i] is the top of item i, offsets[n] the bottom. */
export function itemOffsets(heights: readonly number[]): number[] {
  const offsets = new Array<number>(heights.length + 1);
  offsets[0] = 0;
  for (let i = 0; i < heights.length; i++) offsets[i + 1] = offsets[i] + heights[i];
  return offsets;
}

/** Index of the item that contains the vertical position y (the first or last item outside the list). */
export function indexAt(offsets: readonly number[], y: number): number {
  let lo = 0, hi = offsets.length - 2;
  if (hi < 0) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid] <= y) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The items to render, [start, end), for a viewport [top, top + height) with `overscan` pixels on both sides. */
export function visibleRange(offsets: readonly number[], top: number, height: number, overscan: number): { start: number; end: number } {
  const count = offsets.length - 1;
  if (count <= 0) return { start: 0, end: 0 };
  const start = indexAt(offsets, Math.max(0, top - overscan));
  const end = Math.min(count, indexAt(offsets, top + height + overscan) + 1);
  return { start, end };
}
