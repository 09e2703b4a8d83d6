import './app.css';
import { mount } from 'svelte';

// The installable app (public/manifest.webmanifest): a service worker keeps the app shell for instant and
// offline starts (sw-template.js). Only in the built UI: the dev server has no sw.js. Registered before the
// awaits below: the page's load event may fire while they wait.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch(() => {
      /* not a secure context, or the browser refused: the UI works without it */
    });
  });
}

// The page's script is evaluated in several tasks rather than one (P8: no long task when a conversation opens):
// the markdown stack's libraries one by one (markdown-it, DOMPurify, highlight.js), then the app, which mounts in
// the next task. Every chunk is fetched at once (the build preloads them, vite.config.ts); evaluating the markdown stack
// in one go took 20-30 ms, the whole script 30-50 ms.
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));
await import('markdown-it');
await nextTask();
await import('dompurify');
await nextTask();
await import('./lib/highlight');
await nextTask();
await import('./lib/markdown');
const { default: App } = await import('./App.svelte');
await nextTask();
mount(App, { target: document.getElementById('app')! });
