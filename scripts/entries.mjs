// What the build bundles, by output name (dist/main/<name>.cjs): the one list the build and the
// packed-app check (scripts/packCheck.mjs) both read, so a new entry is built and checked alike.

/** The Node side: Electron main, the command line, the trainer. Dependencies stay in node_modules. */
export const MAIN_ENTRIES = {
  app: 'src-main/app/main.ts',
  cli: 'src-main/cli/index.ts',
  trainer: 'src-main/training/trainerMain.ts',
};

/** The sandboxed preload, which can require nothing but electron: bundled whole. */
export const PRELOAD_ENTRIES = {
  preload: 'src-main/app/preload.ts',
};
