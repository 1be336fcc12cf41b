import { z } from 'zod';
import {
  DEFAULT_SETTINGS as DEFAULT_SETTINGS_VALUES,
  DEFAULT_SHORTCUTS,
  SHORTCUT_ACTIONS,
} from '../defaults';
import { method } from './define';

/** What a native file dialog is for; serve mode has no native dialogs and the renderer shows a path field. */
export const PickPurpose = z.enum([
  'open-project',
  'new-project',
  'add-images',
  'add-folder',
  'import-coco',
  'import-folder',
  'import-results',
  'export-dir',
  'import-weights',
]);
export type PickPurpose = z.infer<typeof PickPurpose>;

/** Actions that have a keyboard shortcut; the defaults follow CVAT / LabelImg habits. */
export const ShortcutAction = z.enum(SHORTCUT_ACTIONS);
export type ShortcutAction = z.infer<typeof ShortcutAction>;

/** A key chord as KeyboardEvent would describe it: modifiers in order Ctrl+Alt+Shift, then the key. */
export const KeyChord = z
  .string()
  .regex(
    /^(Ctrl\+)?(Alt\+)?(Shift\+)?([A-Za-z0-9]|F\d{1,2}|Delete|Backspace|Enter|Escape|Tab|Space|ArrowLeft|ArrowRight|ArrowUp|ArrowDown|PageUp|PageDown|Home|End|\?|\[|\]|,|\.|\/|;|'|-|=)$/,
    'a shortcut looks like "Ctrl+Shift+Z", "D" or "Delete"',
  );

export const Settings = z.object({
  shortcuts: z.record(ShortcutAction, KeyChord),
  /** Library thumbnail size in pixels. */
  thumbnailSize: z.number().int().min(64).max(384),
  /** Compute workers (threads) for training and prediction on the CPU; null: one per physical core. */
  computeWorkers: z.number().int().min(1).max(64).nullable().default(null),
});
export type Settings = z.infer<typeof Settings>;

export { DEFAULT_SHORTCUTS };
export const DEFAULT_SETTINGS: Settings = DEFAULT_SETTINGS_VALUES;

export const appMethods = {
  'app.pickPath': method(
    z.object({ purpose: PickPurpose }).strict(),
    z.object({ paths: z.array(z.string()) }).nullable(),
    'Show a native open/save dialog (desktop only); null when the user cancels.',
  ),
  'settings.get': method(
    z.object({}).strict(),
    Settings,
    'User settings (shortcuts, thumbnail size, compute workers).',
  ),
  'settings.update': method(
    z
      .object({
        shortcuts: z.partialRecord(ShortcutAction, KeyChord).optional(),
        thumbnailSize: z.number().int().min(64).max(384).optional(),
        computeWorkers: z.number().int().min(1).max(64).nullable().optional(),
        reset: z.boolean().optional(),
      })
      .strict(),
    Settings,
    'Change some settings (or reset them to the defaults); returns the result.',
  ),
};
