import type { ShortcutAction } from '../../../src-main/shared/api/app';

const KEY_NAMES: Record<string, string> = {
  ' ': 'Space',
  Del: 'Delete',
  Esc: 'Escape',
  Left: 'ArrowLeft',
  Right: 'ArrowRight',
  Up: 'ArrowUp',
  Down: 'ArrowDown',
};

/** The chord of a key event in the settings' notation: "Ctrl+Shift+Z", "D", "Delete", "?". */
export function chordOf(
  e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>,
): string | null {
  if (['Control', 'Shift', 'Alt', 'Meta'].includes(e.key)) return null;
  let key = KEY_NAMES[e.key] ?? e.key;
  // A printable symbol already encodes Shift ('?' is Shift+/), so Shift is dropped for it.
  const symbol = key.length === 1 && !/[A-Za-z0-9]/.test(key);
  if (key.length === 1) key = key.toUpperCase();
  const parts: string[] = [];
  if (e.ctrlKey || e.metaKey) parts.push('Ctrl');
  if (e.altKey) parts.push('Alt');
  if (e.shiftKey && !symbol) parts.push('Shift');
  parts.push(key);
  return parts.join('+');
}

/** Looks up the action bound to a key event, if any. */
export function actionFor(
  shortcuts: Record<ShortcutAction, string>,
  e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>,
): ShortcutAction | null {
  const chord = chordOf(e);
  if (!chord) return null;
  for (const [action, bound] of Object.entries(shortcuts)) {
    if (bound.toUpperCase() === chord.toUpperCase()) return action as ShortcutAction;
  }
  return null;
}

/** True when the event target is a text field, where single-key shortcuts must not fire. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

export const ACTION_LABELS: Record<ShortcutAction, string> = {
  draw: 'Draw a box',
  select: 'Select / stop drawing',
  prevImage: 'Previous image',
  nextImage: 'Next image',
  deleteBox: 'Delete box / reject suggestion',
  undo: 'Undo',
  redo: 'Redo',
  copy: 'Copy selected box',
  paste: 'Paste boxes',
  carryPrevious: "Carry the previous image's boxes",
  fit: 'Fit image to window',
  markReviewed: 'Mark image reviewed',
  nextBox: 'Select next box',
  acceptSuggestion: 'Accept suggestion',
  help: 'Show shortcuts',
};

/**
 * Why `chord` cannot become the shortcut of `action`, or null when it can: another action has it, or
 * a class's hotkey is that key (a bound action would win over the class, silently).
 */
export function shortcutConflict(
  shortcuts: Record<ShortcutAction, string>,
  action: ShortcutAction,
  chord: string,
  classes: ReadonlyArray<{ name: string; hotkey: string | null }>,
): string | null {
  const same = (a: string, b: string) => a.toUpperCase() === b.toUpperCase();
  for (const [other, bound] of Object.entries(shortcuts) as Array<[ShortcutAction, string]>) {
    if (other !== action && same(bound, chord))
      return `${chord} is already the shortcut for “${ACTION_LABELS[other]}”: change that one first, or choose another key.`;
  }
  const cls = classes.find((c) => c.hotkey !== null && same(c.hotkey, chord));
  if (cls)
    return `${chord} is the hotkey of class “${cls.name}”: change the class's hotkey in Library → Classes, or choose another key.`;
  return null;
}

/**
 * Why `key` cannot become the hotkey of class `classId`, or null when it can: an action's shortcut is
 * that key pressed alone (the action would win over the class, silently), or another class has it.
 */
export function classHotkeyConflict(
  shortcuts: Record<ShortcutAction, string>,
  classId: number,
  key: string,
  classes: ReadonlyArray<{ id: number; name: string; hotkey: string | null }>,
): string | null {
  const chord = key.toUpperCase();
  for (const [action, bound] of Object.entries(shortcuts) as Array<[ShortcutAction, string]>) {
    if (bound.toUpperCase() === chord)
      return `${chord} is the shortcut for “${ACTION_LABELS[action]}”: choose another key, or change that shortcut in Settings first.`;
  }
  const other = classes.find(
    (c) => c.id !== classId && c.hotkey !== null && c.hotkey.toUpperCase() === chord,
  );
  if (other) return `${chord} already selects the class “${other.name}”: choose another key.`;
  return null;
}
