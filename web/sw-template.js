// parley's service worker: keeps the app shell (index.html, the hashed JS/CSS, the manifest and icons) so that
// the UI opens at once and offline. It answers only for those files and page navigations; everything else
// (/api/*, attachments under /api/files, /health) goes to the network untouched and is never stored.
// The build (vite.config.ts) fills in SHELL and VERSION; a new release is a new sw.js, which the browser
// installs on the next visit: it caches the new shell, drops the old one and serves the new shell from then on.
const VERSION = '__VERSION__';
const SHELL = __SHELL__;
const CACHE = `parley-shell-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(SHELL.map((path) => new Request(path, { cache: 'reload' }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('parley-shell-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname === '/health' || url.pathname === '/metrics') return;
  // Page loads: the shell's index.html (the UI routes on the client), fresh from the network when the cache
  // lost it.
  if (request.mode === 'navigate') {
    event.respondWith(caches.open(CACHE).then((cache) => cache.match('/').then((hit) => hit ?? fetch(request))));
    return;
  }
  if (!SHELL.includes(url.pathname)) return;
  event.respondWith(caches.open(CACHE).then((cache) => cache.match(url.pathname).then((hit) => hit ?? fetch(request))));
});
