import { describe, it, expect } from 'vitest';
import { flushSync } from 'svelte';
import { navigate, parseRoute, router, routePath } from './router.svelte';

describe('router', () => {
  it('parses the app paths', () => {
    expect(parseRoute('/')).toEqual({ name: 'chat', sessionId: null });
    expect(parseRoute('/c/abc123')).toEqual({ name: 'chat', sessionId: 'abc123' });
    expect(parseRoute('/c/a%2Fb/')).toEqual({ name: 'chat', sessionId: 'a/b' });
    expect(parseRoute('/c/%E0%A4%A')).toEqual({ name: 'chat', sessionId: '%E0%A4%A' });
    expect(parseRoute('/settings')).toEqual({ name: 'settings' });
    expect(parseRoute('/login')).toEqual({ name: 'login' });
    expect(parseRoute('/anything/else')).toEqual({ name: 'chat', sessionId: null });
  });

  it('round-trips paths and updates history', () => {
    expect(routePath({ name: 'chat', sessionId: 'a/b' })).toBe('/c/a%2Fb');
    navigate({ name: 'settings' });
    expect(location.pathname).toBe('/settings');
    expect(router.route).toEqual({ name: 'settings' });
    navigate({ name: 'chat', sessionId: 's1' }, true);
    expect(location.pathname).toBe('/c/s1');
    history.pushState({}, '', '/settings');
    window.dispatchEvent(new PopStateEvent('popstate'));
    expect(router.route).toEqual({ name: 'settings' });
  });
  it('re-runs effects that read the route when it changes', () => {
    const seen: string[] = [];
    const stop = $effect.root(() => {
      $effect(() => { seen.push(router.route.name); });
    });
    flushSync();
    navigate({ name: 'login' });
    flushSync();
    navigate({ name: 'chat', sessionId: null });
    flushSync();
    stop();
    expect(seen.slice(-3)).toEqual([seen[0], 'login', 'chat']);
  });
});
