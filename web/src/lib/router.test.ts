import { describe, it, expect } from 'vitest';
import { get } from 'svelte/store';
import { navigate, parseRoute, route, routePath } from './router';

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
    expect(get(route)).toEqual({ name: 'settings' });
    navigate({ name: 'chat', sessionId: 's1' }, true);
    expect(location.pathname).toBe('/c/s1');
    history.pushState({}, '', '/settings');
    window.dispatchEvent(new PopStateEvent('popstate'));
    expect(get(route)).toEqual({ name: 'settings' });
  });
});
