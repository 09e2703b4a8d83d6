import { describe, it, expect, beforeEach, vi } from 'vitest';
import { applyTheme, nextTheme } from './theme.svelte';

describe('theme', () => {
  beforeEach(() => localStorage.clear());

  it('cycles system → dark → light → system', () => {
    expect(nextTheme('system')).toBe('dark');
    expect(nextTheme('dark')).toBe('light');
    expect(nextTheme('light')).toBe('system');
  });

  it('applies the choice to the root element and remembers it', () => {
    const root = document.createElement('html');
    applyTheme('dark', root);
    expect(root.getAttribute('data-theme')).toBe('dark');
    expect(localStorage.getItem('parley.theme')).toBe('dark');
    applyTheme('system', root);
    expect(root.hasAttribute('data-theme')).toBe(false);
    expect(localStorage.getItem('parley.theme')).toBeNull();
  });
});

describe('theme state', () => {
  it('starts from the choice remembered in localStorage', async () => {
    localStorage.setItem('parley.theme', 'light');
    vi.resetModules();
    const { theme } = await import('./theme.svelte');
    expect(theme.choice).toBe('light');
    localStorage.setItem('parley.theme', 'bogus');
    vi.resetModules();
    expect((await import('./theme.svelte')).theme.choice).toBe('system');
  });
});
