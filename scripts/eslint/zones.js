// The layer table of the design (DESIGN.md, "Layout and import rules"), as data for `layers/imports`.
// Imports point inward: pure layers import only `shared`; I/O layers add their one library; the edges
// (transport, app, cli) compose. The renderer reaches the main side only through `src-main/shared`.
const TFJS = ['@tensorflow/*'];
const NODE = ['node:*'];

export const zones = [
  { name: 'shared', folder: 'src-main/shared', allow: [], packages: ['zod'] },
  { name: 'detector', folder: 'src-main/detector', allow: ['shared'], packages: TFJS },
  { name: 'eval', folder: 'src-main/eval', allow: ['shared'], packages: [] },
  {
    name: 'formats',
    folder: 'src-main/formats',
    allow: ['shared'],
    packages: [...NODE, 'fast-xml-parser', 'yaml'],
  },
  { name: 'store', folder: 'src-main/store', allow: ['shared'], packages: [...NODE, 'better-sqlite3'] },
  { name: 'imaging', folder: 'src-main/imaging', allow: ['shared'], packages: [...NODE, 'sharp'] },
  // Pretrained weights: the cache in the user-data folder, downloads, and PyTorch's file format.
  { name: 'weights', folder: 'src-main/weights', allow: ['shared'], packages: [...NODE, 'fflate'] },
  { name: 'compute', folder: 'src-main/compute', allow: ['shared'], packages: [...NODE, ...TFJS] },
  // The main side of training (protocol, job host, run folders): no TensorFlow.js, no detector.
  { name: 'training', folder: 'src-main/training', allow: ['shared'], packages: [...NODE, 'zod'] },
  // What runs in the trainer process: the loop, the compute workers, the pipeline, the jobs.
  {
    name: 'trainer',
    folder: 'src-main/trainer',
    allow: ['shared', 'detector', 'eval', 'imaging', 'compute', 'training', 'weights'],
    packages: [...NODE, ...TFJS, 'ws'],
  },
  // The module an exported model ships with: the detector's forward pass and post-processing on
  // TensorFlow.js core alone (no Node, no other package), so it runs in Node and in browsers.
  {
    name: 'deploy',
    folder: 'src-main/deploy',
    allow: ['shared', 'detector'],
    packages: ['@tensorflow/tfjs-core'],
  },
  {
    name: 'services',
    folder: 'src-main/services',
    allow: ['shared', 'store', 'formats', 'imaging', 'eval', 'training', 'compute', 'weights'],
    packages: NODE,
  },
  {
    name: 'transport',
    folder: 'src-main/transport',
    allow: ['shared', 'services'],
    packages: [...NODE, 'ws', 'zod'],
    types: ['electron'],
  },
  {
    name: 'app',
    folder: 'src-main/app',
    allow: ['shared', 'services', 'transport', 'training', 'compute'],
    packages: [...NODE, 'electron'],
  },
  {
    name: 'cli',
    folder: 'src-main/cli',
    allow: ['shared', 'services', 'transport', 'training', 'compute', 'eval', 'formats', 'store', 'weights'],
    packages: [...NODE, 'commander', 'cli-progress'],
  },
  {
    name: 'renderer',
    folder: 'src-renderer',
    allow: ['shared'],
    packages: [
      'svelte',
      'svelte/*',
      'konva',
      'konva/*',
      'svelte-konva',
      'uplot',
      'uplot/*',
      '@tanstack/*',
      'd3-scale-chromatic',
      'focus-trap',
      'zod',
    ],
  },
];
