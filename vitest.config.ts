import { defineConfig } from 'vitest/config';

// Every answer and event is held to its schema too, in the tests and in the processes they start.
const env = { DW_STUDIO_CHECK_CONTRACT: '1' };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          environment: 'node',
          env,
          include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          env,
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // One browser at a time: these machines have 2 cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
