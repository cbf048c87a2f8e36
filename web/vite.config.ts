import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The gateway serves dist/ at `/`; the page talks to `/ws` and `/v1` on its own origin.
// `npm run dev -w @natter/web` proxies both, and the page's /config.json, to a local
// `npm start` on port 8080.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  server: {
    proxy: {
      '/ws': { target: 'ws://localhost:8080', ws: true },
      '/v1': 'http://localhost:8080',
      '/config.json': 'http://localhost:8080',
    },
  },
});
