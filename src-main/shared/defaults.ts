/**
 * Plain values of the contract that the page needs at start, apart from the schemas (zod) that
 * describe them: the renderer's first screen imports these without loading any schema.
 */

import type { BackendName } from './api/system';

/** Each compute backend as the user reads it (status bar, settings). */
export const BACKEND_LABELS: Record<BackendName, string> = {
  'tensorflow-gpu': 'TensorFlow GPU',
  webgpu: 'WebGPU',
  tensorflow: 'TensorFlow CPU',
  wasm: 'WebAssembly',
  cpu: 'JavaScript CPU',
};

/** The app's views, in the order the navigation lists them. */
export const VIEW_NAMES = ['library', 'annotate', 'train', 'review', 'inspect', 'settings'] as const;

/** Actions that have a keyboard shortcut; the defaults follow CVAT / LabelImg habits. */
export const SHORTCUT_ACTIONS = [
  'draw',
  'select',
  'prevImage',
  'nextImage',
  'deleteBox',
  'undo',
  'redo',
  'copy',
  'paste',
  'carryPrevious',
  'fit',
  'markReviewed',
  'nextBox',
  'acceptSuggestion',
  'help',
] as const;

export const DEFAULT_SHORTCUTS: Record<(typeof SHORTCUT_ACTIONS)[number], string> = {
  draw: 'W',
  select: 'Escape',
  prevImage: 'A',
  nextImage: 'D',
  deleteBox: 'Delete',
  undo: 'Ctrl+Z',
  redo: 'Ctrl+Shift+Z',
  copy: 'Ctrl+C',
  paste: 'Ctrl+V',
  carryPrevious: 'Ctrl+B',
  fit: 'F',
  markReviewed: 'Ctrl+Enter',
  nextBox: 'Tab',
  acceptSuggestion: 'Enter',
  help: '?',
};

export const DEFAULT_SETTINGS = { shortcuts: DEFAULT_SHORTCUTS, thumbnailSize: 160, computeWorkers: null };
