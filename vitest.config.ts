import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Property-based and end-to-end tests spawn workers and read real logs: give them room on a
    // shared 2-core machine. Speed is measured in bench/, never here.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
