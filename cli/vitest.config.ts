import { defineConfig } from 'vitest/config';

// Runs this package's unit tests on their own: `npx vitest run --config cli/vitest.config.ts`.
// (The integration tests, test/*.int.test.ts, are picked up by the root config's integration project.)
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/*.int.test.ts', '**/node_modules/**'],
  },
});
