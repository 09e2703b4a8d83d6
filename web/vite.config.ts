/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The UI talks to /api/* with relative URLs; `npm run dev` proxies them to a parley on :8000.
export default defineConfig(({ mode }) => ({
  plugins: [svelte()],
  build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets', sourcemap: false, target: 'es2022' },
  server: { proxy: { '/api': 'http://127.0.0.1:8000', '/health': 'http://127.0.0.1:8000' } },
  test: { environment: 'jsdom', include: ['src/**/*.test.ts'] },
  // Vitest runs in mode 'test': load Svelte's client runtime there (without the browser condition Node gets the
  // server's, where effects never run), so that rune modules are tested as the browser runs them.
  resolve: mode === 'test' ? { conditions: ['browser'] } : undefined,
}));
