export declare const NODE_ENTRIES: Record<'app' | 'cli' | 'trainer' | 'trainerWorker', string>;
export declare const NODE_BUILD: {
  bundle: true;
  platform: 'node';
  target: string;
  format: 'cjs';
  packages: 'external';
  logLevel: 'warning';
};
