// What the build bundles, by output name (dist/main/<name>.cjs): the one list the build, the tests
// that rebuild a stale bundle and the packed-app check (scripts/packCheck.mjs) all read, so a new
// entry is built and checked alike.

/** The Node side. Dependencies stay in node_modules (native addons cannot be bundled). */
export const MAIN_ENTRIES = {
  app: 'src-main/app/main.ts',
  cli: 'src-main/cli/index.ts',
  trainer: 'src-main/trainer/trainerMain.ts',
  trainerWorker: 'src-main/trainer/computeWorker.ts',
};

/** The sandboxed preload, which can require nothing but electron: bundled whole. */
export const PRELOAD_ENTRIES = {
  preload: 'src-main/app/preload.ts',
};

/** The GPU page, which runs in a browser (dist/gpu/<name>.js): served by the trainer to the page it opens. */
export const GPU_PAGE_ENTRIES = {
  gpuTrainer: 'src-main/trainer/gpuPage.ts',
};

/** esbuild options of the Node bundles. */
export const NODE_BUILD = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  logLevel: 'warning',
};
