// Builds everything the app runs: the Node side (Electron main, preload, CLI, trainer and its compute
// workers) with esbuild, and the renderer with Vite. `npm install` runs it (prepare), so
// `npx dw-studio` works right away.
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import {
  DEPLOY_BUILD,
  DEPLOY_ENTRIES,
  GPU_PAGE_ENTRIES,
  MAIN_ENTRIES,
  NODE_BUILD,
  PRELOAD_ENTRIES,
} from './entries.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'main');
const started = performance.now();

const common = { absWorkingDir: root, ...NODE_BUILD, sourcemap: 'linked' };

await Promise.all([
  esbuild({ ...common, entryPoints: MAIN_ENTRIES, outdir: out, outExtension: { '.js': '.cjs' } }),
  // A sandboxed preload can require nothing but electron: bundle the contract into it.
  esbuild({
    ...common,
    packages: undefined,
    entryPoints: PRELOAD_ENTRIES,
    outdir: out,
    outExtension: { '.js': '.cjs' },
    external: ['electron'],
    minify: true,
  }),
  // The GPU page runs in a browser: one self-contained script, TensorFlow.js and its WebGPU backend in it.
  esbuild({
    absWorkingDir: root,
    entryPoints: GPU_PAGE_ENTRIES,
    outdir: path.join(root, 'dist', 'gpu'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    minify: true,
    sourcemap: 'linked',
    logLevel: 'warning',
  }),
  // The module an exported model ships with: one ES module, TensorFlow.js core left to its user.
  esbuild({
    absWorkingDir: root,
    ...DEPLOY_BUILD,
    entryPoints: DEPLOY_ENTRIES,
    outdir: path.join(root, 'dist', 'deploy'),
  }),
  viteBuild({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' }),
]);

console.log(`built dist/ in ${((performance.now() - started) / 1000).toFixed(1)} s`);
