import type { Plugin } from 'esbuild';

export declare const MAIN_ENTRIES: Record<'app' | 'cli' | 'trainer' | 'trainerWorker', string>;
export declare const PRELOAD_ENTRIES: Record<'preload', string>;
export declare const GPU_PAGE_ENTRIES: Record<'gpuTrainer', string>;
export declare const NODE_BUILD: {
  bundle: true;
  platform: 'node';
  target: string;
  format: 'cjs';
  packages: 'external';
  logLevel: 'warning';
};
export declare const DEPLOY_ENTRIES: Record<'detector', string>;
export declare const DEPLOY_BUILD: {
  bundle: true;
  platform: 'neutral';
  target: string;
  format: 'esm';
  external: string[];
  outExtension: Record<string, string>;
  plugins: Plugin[];
  logLevel: 'warning';
};
