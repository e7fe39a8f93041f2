import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// `base: './'` keeps asset URLs relative so the same `dist/` works under
// `tauri://localhost` (embedded) and `http://<hub>:<port>/` (served by the hub).
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
    proxy: process.env.HUB_URL
      ? {
          '/api': process.env.HUB_URL,
          '/health': process.env.HUB_URL,
          '/ws': { target: process.env.HUB_URL.replace(/^http/, 'ws'), ws: true },
        }
      : undefined,
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});
