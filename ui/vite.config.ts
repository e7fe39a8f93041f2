import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// `base: './'` keeps asset URLs relative so the same `dist/` works under
// `tauri://localhost` (embedded) and `http://<hub>:<port>/` (served by the hub).
const hub = process.env.HUB_URL;

// The hub never trusts a page from another origin as its own machine (such a page acts only with a
// device token); through this proxy the page's origin is the dev/preview server's, so proxied requests
// present the hub's own origin and the dev page is trusted like the page the hub serves.
const toHub = (target: string) => ({
  target,
  changeOrigin: true,
  configure: (proxy: { on(event: 'proxyReq', fn: (req: { getHeader(n: string): unknown; setHeader(n: string, v: string): void }) => void): void }) =>
    proxy.on('proxyReq', (req) => {
      if (req.getHeader('origin')) req.setHeader('origin', new URL(target).origin);
    }),
});

export default defineConfig({
  base: './',
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npm run dev` (and `vite preview`, which reuses this) against a running hub:
    // HUB_URL=http://127.0.0.1:8080 npm run dev
    proxy: hub
      ? {
          '/api': toHub(hub),
          '/health': toHub(hub),
          '/ws': { target: hub.replace(/^http/, 'ws'), ws: true },
        }
      : undefined,
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});
