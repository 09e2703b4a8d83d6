import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';

mount(App, { target: document.getElementById('app')! });

// The installable app (public/manifest.webmanifest): a service worker keeps the app shell for instant and
// offline starts (sw-template.js). Only in the built UI: the dev server has no sw.js.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch(() => {
      /* not a secure context, or the browser refused: the UI works without it */
    });
  });
}
