import { describe, it, expect } from 'vitest';
import { flushSync } from 'svelte';
import { VirtualList } from './virtual_list.svelte';

interface Item { key: string; size: number }
const items = (n: number, size = 100): Item[] => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, size }));

describe('VirtualList', () => {
  it('renders the window around the viewport with padding for the rest, from estimates', () => {
    const list = new VirtualList(() => items(1000), (m) => m.size, 300);
    list.viewTop = 50_000;
    list.viewHeight = 900;
    expect([list.start, list.end]).toEqual([497, 513]);
    expect(list.visible.map((m) => m.key)).toEqual(items(1000).slice(497, 513).map((m) => m.key));
    expect(list.padTop).toBe(49_700);
    expect(list.padBottom).toBe(100_000 - 51_300);
  });

  it('follows the items it is given', () => {
    let state = $state(items(3));
    const list = new VirtualList(() => state, (m) => m.size, 0);
    list.viewHeight = 10_000;
    expect(list.visible).toHaveLength(3);
    state = [...state, { key: 'new', size: 400 }];
    expect(list.visible.map((m) => m.key)).toEqual(['k0', 'k1', 'k2', 'new']);
    expect(list.offsets.at(-1)).toBe(700);
  });

  it('uses measured heights, and reports how far the items above the scroll position moved', () => {
    const list = new VirtualList(() => items(10), (m) => m.size, 0);
    list.viewHeight = 300;
    // k0..k2 lie above 350, k3 straddles it, k5 is below.
    expect(list.measure([{ key: 'k1', height: 150 }, { key: 'k5', height: 300 }, { key: 'k3', height: 100.2 }], 350)).toBe(50);
    expect(list.offsets.slice(0, 7)).toEqual([0, 100, 250, 350, 450, 550, 850]);
    // k2 grows: it now ends at 350 + 20, still at or above a scroll position of 370.
    expect(list.measure([{ key: 'k2', height: 120 }], 370)).toBe(20);
    expect(list.measure([{ key: 'k2', height: 120 }], 370)).toBeNull();
    expect(list.measure([{ key: 'gone', height: 10 }], 0)).toBeNull();
    // Two items of one batch: k1 shrinks by 50 above the scroll position, which moves k2 up to end at 320,
    // above 330 too, so its growth counts as well.
    expect(list.measure([{ key: 'k1', height: 100 }, { key: 'k2', height: 170 }], 330)).toBe(0);
    expect(list.offsets[3]).toBe(370);
  });

  it('estimates an item once, so that a growing message is measured rather than re-estimated', () => {
    let calls = 0;
    let state = $state(items(2));
    const list = new VirtualList(() => state, (m) => { calls++; return m.size; }, 0);
    expect(list.offsets.at(-1)).toBe(200);
    state = [state[0], { key: 'k1', size: 999 }];
    expect(list.offsets.at(-1)).toBe(200);
    expect(calls).toBe(2);
  });

  it('re-renders an effect that reads the window when measurements move it', () => {
    const list = new VirtualList(() => items(100), (m) => m.size, 0);
    list.viewTop = 1000;
    list.viewHeight = 200;
    const seen: number[] = [];
    const stop = $effect.root(() => { $effect(() => { seen.push(list.start); }); });
    flushSync();
    list.measure([{ key: 'k0', height: 600 }], 0);
    flushSync();
    stop();
    expect(seen).toEqual([10, 5]);
  });

  it('renders the end of a list opened at its end first, not its start (P8: one render on opening)', () => {
    let state = $state<Item[]>([]);
    const list = new VirtualList(() => state, (m) => m.size, 300);
    list.viewHeight = 900;
    const rendered: string[][] = [];
    const stop = $effect.root(() => { $effect(() => { rendered.push(list.visible.map((m) => m.key)); }); });
    flushSync();
    state = items(1000);
    list.showEnd();
    flushSync();
    stop();
    expect(list.viewTop).toBe(100_000 - 900);
    expect(rendered).toEqual([[], items(1000).slice(988).map((m) => m.key)]);
  });

  it('renders at most `limit` items, the last ones of the window, and says when it leaves some out', () => {
    const list = new VirtualList(() => items(1000), (m) => m.size, 300);
    list.viewHeight = 900;
    list.showEnd();
    const window = items(1000).slice(988).map((m) => m.key);
    list.limit = 0;
    expect([list.visible, list.padTop, list.padBottom, list.limited]).toEqual([[], 100_000, 0, true]);
    list.limit = 2;
    expect(list.visible.map((m) => m.key)).toEqual(window.slice(-2));
    expect([list.padTop, list.limited]).toEqual([99_800, true]);
    list.limit = 12;
    expect([list.visible.map((m) => m.key), list.limited]).toEqual([window, false]);
    list.limit = Infinity;
    expect([list.visible.map((m) => m.key), list.padTop]).toEqual([window, 98_800]);
  });
});
