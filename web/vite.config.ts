/// <reference types="vitest/config" />
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Writes dist/sw.js from sw-template.js with the app shell's file list (the built index.html, every emitted JS
// and CSS file, the manifest and the icons) and a version that changes with any of them: a new release is a new
// service worker, which replaces the cached shell (sw-template.js says how).
function serviceWorker(): Plugin {
  const statics = ['/manifest.webmanifest', '/icons/icon-192.png', '/icons/icon-512.png', '/icons/maskable-512.png', '/icons/apple-touch-icon.png'];
  return {
    name: 'parley-service-worker',
    apply: 'build',
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle).filter((f) => /\.(js|css)$/.test(f)).map((f) => `/${f}`).sort();
      const shell = ['/', ...files, ...statics];
      const hash = createHash('sha256');
      for (const [name, out] of Object.entries(bundle).sort(([a], [b]) => a.localeCompare(b))) {
        hash.update(name);
        if (name === 'index.html' && out.type === 'asset') hash.update(out.source);
      }
      for (const s of statics) hash.update(readFileSync(new URL(`./public${s}`, import.meta.url)));
      const source = readFileSync(new URL('./sw-template.js', import.meta.url), 'utf8')
        .replace("'__VERSION__'", JSON.stringify(hash.digest('hex').slice(0, 16)))
        .replace('__SHELL__', JSON.stringify(shell));
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}

// main.ts imports the markdown stack and then the app, so that they are evaluated in two tasks (P8); this makes
// index.html fetch every chunk and stylesheet at once, as it did when the build was one file, rather than one
// after the other as the imports come.
function preloadChunks(): Plugin {
  return {
    name: 'parley-preload-chunks',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const files = Object.values(ctx.bundle ?? {}).map((f) => f.fileName).filter((f) => !html.includes(`/${f}"`)).sort();
        return [
          ...files.filter((f) => f.endsWith('.css')).map((f) => ({ tag: 'link', attrs: { rel: 'stylesheet', crossorigin: true, href: `/${f}` }, injectTo: 'head' as const })),
          ...files.filter((f) => f.endsWith('.js') && f !== 'sw.js').map((f) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `/${f}` }, injectTo: 'head' as const })),
        ];
      },
    },
  };
}

// The UI talks to /api/* with relative URLs; `npm run dev` proxies them to a parley on :8000.
export default defineConfig(({ mode }) => ({
  plugins: [svelte(), serviceWorker(), preloadChunks()],
  build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets', sourcemap: false, target: 'es2022' },
  server: { proxy: { '/api': 'http://127.0.0.1:8000', '/health': 'http://127.0.0.1:8000' } },
  test: { environment: 'jsdom', include: ['src/**/*.test.ts'] },
  // Vitest runs in mode 'test': load Svelte's client runtime there (without the browser condition Node gets the
  // server's, where effects never run), so that rune modules are tested as the browser runs them.
  resolve: mode === 'test' ? { conditions: ['browser'] } : undefined,
}));
