// What the build bundles, by output name (dist/main/<name>.cjs): the one list the build, the tests
// that rebuild a stale bundle and the packed-app check (scripts/packCheck.mjs) all read, so a new
// entry is built and checked alike.
import path from 'node:path';

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

/**
 * The module an exported model ships with (dist/deploy/<name>.mjs, copied beside the model by
 * `dw-studio export-model`): one ES module for Node and browsers.
 */
export const DEPLOY_ENTRIES = {
  detector: 'src-main/deploy/detector.ts',
};

/**
 * The detector's modules take `tf` from src-main/detector/tf.ts, which also registers every gradient
 * (through tfjs-layers) for training. The exported module needs none: there they take it from
 * src-main/deploy/tfCore.ts, TensorFlow.js core alone.
 */
const coreOnly = {
  name: 'tfjs-core-only',
  setup(build) {
    // Every build of it names the project root as its working directory (this file is also bundled
    // into CommonJS by the benchmarks, where import.meta is empty).
    const root = build.initialOptions.absWorkingDir ?? process.cwd();
    const detectorTf = path.join(root, 'src-main', 'detector', 'tf');
    build.onResolve({ filter: /(^|\/)tf$/ }, (args) =>
      path.resolve(args.resolveDir, args.path) === detectorTf
        ? { path: path.join(root, 'src-main', 'deploy', 'tfCore.ts') }
        : undefined,
    );
  },
};

/** esbuild options of the exported module: ESM, no Node built-ins, TensorFlow.js core left to its user. */
export const DEPLOY_BUILD = {
  bundle: true,
  platform: 'neutral',
  target: 'es2020',
  format: 'esm',
  external: ['@tensorflow/tfjs-core'],
  outExtension: { '.js': '.mjs' },
  plugins: [coreOnly],
  logLevel: 'warning',
};
