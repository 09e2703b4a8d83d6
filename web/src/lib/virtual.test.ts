import { describe, it, expect } from 'vitest';
import { HeightIndex } from './virtual';

describe('HeightIndex', () => {
  it('estimates unmeasured items and uses measured heights once known', () => {
    const h = new HeightIndex(100);
    h.setKeys(['a', 'b', 'c', 'd']);
    expect(h.total).toBe(400);
    expect(h.measure('b', 250)).toBe(150);
    expect(h.measure('b', 250)).toBe(0);
    expect(h.offset(2)).toBe(350);
    expect(h.total).toBe(550);
    expect(h.indexAt(0)).toBe(0);
    expect(h.indexAt(99)).toBe(0);
    expect(h.indexAt(100)).toBe(1);
    expect(h.indexAt(349)).toBe(1);
    expect(h.indexAt(10_000)).toBe(3);
  });

  it('returns the window around the viewport with overscan', () => {
    const h = new HeightIndex(100);
    h.setKeys(Array.from({ length: 1000 }, (_, i) => `k${i}`));
    expect(h.range(50_000, 900, 300)).toEqual({ start: 497, end: 513 });
    expect(h.range(0, 900, 300)).toEqual({ start: 0, end: 13 });
    expect(h.range(h.total - 900, 900, 300)).toEqual({ start: 988, end: 1000 });
    h.setKeys([]);
    expect(h.range(0, 900, 300)).toEqual({ start: 0, end: 0 });
  });
});
