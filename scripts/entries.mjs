// The Node-side bundles of the app and how each is built: scripts/build.mjs builds them all, a test
// rebuilds one that is older than the sources, and a packaged app must carry every one of them.
export const NODE_ENTRIES = {
  /** The Electron main process. */
  app: 'src-main/app/main.ts',
  /** The `dw-studio` command. */
  cli: 'src-main/cli/index.ts',
  /** The trainer process. */
  trainer: 'src-main/trainer/trainerMain.ts',
  /** A compute worker of the trainer (one thread each, loaded from beside trainer.cjs). */
  trainerWorker: 'src-main/trainer/computeWorker.ts',
};

/** esbuild options shared by the Node bundles: dependencies stay in node_modules (native addons cannot be bundled). */
export const NODE_BUILD = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  logLevel: 'warning',
};
