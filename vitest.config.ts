import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Every answer and event is held to its schema too, in the tests and in the processes they start. No
// test reaches the internet for ImageNet weights: the published address is replaced by a closed local
// port (tests that download start their own server and name it).
const env = { DW_STUDIO_CHECK_CONTRACT: '1', DW_STUDIO_WEIGHTS_MIRROR: 'http://127.0.0.1:9/' };

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
          // Most of these wait on one core (WebAssembly with one thread, a child process), so two
          // run at once even on a 2-core machine; the browser tests run after them, alone.
          maxWorkers: Math.max(2, availableParallelism() - 1),
          sequence: { groupOrder: 0 },
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
          // One browser at a time, after the unit and integration tests: these machines have 2 cores.
          fileParallelism: false,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
