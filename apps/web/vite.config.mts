import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// Two pages, one build: /dashboard (operators) and /portal (one tenant's users) share components and
// one asset folder. Assets live under /web-assets/ so the server (and the docker edge) route one
// prefix besides the two pages; their names carry a content hash, so they are cached for good.
const root = resolve(import.meta.dirname, 'ui');
export default defineConfig({
  root,
  base: '/',
  // JSX without a plugin: the automatic runtime is all this app needs (no dev-server fast refresh).
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: resolve(import.meta.dirname, 'dist/public'),
    emptyOutDir: true,
    assetsDir: 'web-assets',
    // No inline scripts or data: URLs for the CSP (script-src 'self').
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: { dashboard: resolve(root, 'dashboard/index.html'), portal: resolve(root, 'portal/index.html') },
    },
  },
});
