import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    // `npm run coverage`: what the tests run in src/ (in-process code; the spawned server's
    // dist/ bundle is not instrumented, so end-to-end paths count only where tests import src/).
    coverage: { provider: 'v8', include: ['src/**/*.ts'], reporter: ['text-summary'] },
    hookTimeout: 30_000,
  },
});
