// Light/dark theme: follows the system unless the user picked one; the choice is kept in localStorage. The
// choice is rune state (`theme.choice`); the app applies it to the page in an effect.

export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'parley.theme';

function load(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

export const theme = $state<{ choice: ThemeChoice }>({ choice: typeof localStorage === 'undefined' ? 'system' : load() });

export function nextTheme(t: ThemeChoice): ThemeChoice {
  return t === 'system' ? 'dark' : t === 'dark' ? 'light' : 'system';
}

export function applyTheme(t: ThemeChoice, root: HTMLElement = document.documentElement): void {
  if (t === 'system') root.removeAttribute('data-theme');
  else root.setAttribute('data-theme', t);
  try {
    if (t === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, t);
  } catch {
    // storage unavailable (private mode): the choice lasts for this page only
  }
}
