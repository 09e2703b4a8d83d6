import { describe, it, expect } from 'vitest';
import { indexAt, itemOffsets, visibleRange } from './virtual';

describe('virtual list arithmetic', () => {
  it('places each item below the one before and finds the item at a position', () => {
    const offsets = itemOffsets([100, 250, 100, 100]);
    expect(offsets).toEqual([0, 100, 350, 450, 550]);
    expect(indexAt(offsets, 0)).toBe(0);
    expect(indexAt(offsets, 99)).toBe(0);
    expect(indexAt(offsets, 100)).toBe(1);
    expect(indexAt(offsets, 349)).toBe(1);
    expect(indexAt(offsets, 10_000)).toBe(3);
    expect(indexAt(offsets, -5)).toBe(0);
    expect(indexAt(itemOffsets([]), 50)).toBe(0);
  });

  it('returns the window around the viewport with overscan', () => {
    const offsets = itemOffsets(new Array(1000).fill(100));
    const total = offsets[1000];
    expect(visibleRange(offsets, 50_000, 900, 300)).toEqual({ start: 497, end: 513 });
    expect(visibleRange(offsets, 0, 900, 300)).toEqual({ start: 0, end: 13 });
    expect(visibleRange(offsets, total - 900, 900, 300)).toEqual({ start: 988, end: 1000 });
    expect(visibleRange(itemOffsets([]), 0, 900, 300)).toEqual({ start: 0, end: 0 });
  });

  it('gives a tall item the whole window it overlaps', () => {
    const offsets = itemOffsets([100, 5000, 100]);
    expect(visibleRange(offsets, 2000, 500, 100)).toEqual({ start: 1, end: 2 });
    expect(visibleRange(offsets, 4800, 500, 100)).toEqual({ start: 1, end: 3 });
  });
});
