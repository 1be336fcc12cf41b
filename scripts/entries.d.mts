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
