import { describe, expect, it } from 'vitest';
import { DEFAULT_SHORTCUTS } from '../../../src-main/shared/api/app';
import {
  actionFor,
  chordOf,
  classHotkeyConflict,
  shortcutConflict,
} from '../../../src-renderer/lib/state/shortcuts';

const key = (
  k: string,
  mods: Partial<Record<'ctrlKey' | 'shiftKey' | 'altKey' | 'metaKey', boolean>> = {},
) => ({
  key: k,
  ctrlKey: false,
  shiftKey: false,
  altKey: false,
  metaKey: false,
  ...mods,
});

describe('keyboard shortcuts', () => {
  it('writes chords in the settings notation', () => {
    expect(chordOf(key('w'))).toBe('W');
    expect(chordOf(key('Z', { ctrlKey: true, shiftKey: true }))).toBe('Ctrl+Shift+Z');
    expect(chordOf(key('z', { metaKey: true }))).toBe('Ctrl+Z');
    expect(chordOf(key('?', { shiftKey: true }))).toBe('?');
    expect(chordOf(key(' '))).toBe('Space');
    expect(chordOf(key('Shift', { shiftKey: true }))).toBeNull();
  });

  it('maps the CVAT / LabelImg defaults to actions', () => {
    expect(actionFor(DEFAULT_SHORTCUTS, key('w'))).toBe('draw');
    expect(actionFor(DEFAULT_SHORTCUTS, key('a'))).toBe('prevImage');
    expect(actionFor(DEFAULT_SHORTCUTS, key('d'))).toBe('nextImage');
    expect(actionFor(DEFAULT_SHORTCUTS, key('z', { ctrlKey: true }))).toBe('undo');
    expect(actionFor(DEFAULT_SHORTCUTS, key('Z', { ctrlKey: true, shiftKey: true }))).toBe('redo');
    expect(actionFor(DEFAULT_SHORTCUTS, key('d', { ctrlKey: true }))).toBeNull();
    expect(actionFor(DEFAULT_SHORTCUTS, key('1'))).toBeNull();
  });

  it('follows a remapped shortcut', () => {
    const remapped = { ...DEFAULT_SHORTCUTS, draw: 'N' };
    expect(actionFor(remapped, key('n'))).toBe('draw');
    expect(actionFor(remapped, key('w'))).toBeNull();
  });

  it('refuses a key another action or a class hotkey already uses, and allows a free one', () => {
    const classes = [
      { name: 'RBC', hotkey: '1' },
      { name: 'WBC', hotkey: 'q' },
      { name: 'Platelets', hotkey: null },
    ];
    expect(shortcutConflict(DEFAULT_SHORTCUTS, 'draw', 'D', classes)).toBe(
      'D is already the shortcut for “Next image”: change that one first, or choose another key.',
    );
    expect(shortcutConflict(DEFAULT_SHORTCUTS, 'draw', 'Ctrl+Shift+Z', classes)).toContain('“Redo”');
    expect(shortcutConflict(DEFAULT_SHORTCUTS, 'fit', '1', classes)).toBe(
      "1 is the hotkey of class “RBC”: change the class's hotkey in Library → Classes, or choose another key.",
    );
    expect(shortcutConflict(DEFAULT_SHORTCUTS, 'fit', 'Q', classes)).toContain('“WBC”');
    // Its own key again, a modified chord of a class key, and a free key are fine.
    expect(shortcutConflict(DEFAULT_SHORTCUTS, 'draw', 'W', classes)).toBeNull();
    expect(shortcutConflict(DEFAULT_SHORTCUTS, 'fit', 'Ctrl+1', classes)).toBeNull();
    expect(shortcutConflict(DEFAULT_SHORTCUTS, 'draw', 'N', classes)).toBeNull();
  });

  it('refuses a class hotkey that an action shortcut or another class has, and allows a free one', () => {
    const classes = [
      { id: 1, name: 'RBC', hotkey: '1' },
      { id: 2, name: 'WBC', hotkey: '2' },
    ];
    expect(classHotkeyConflict(DEFAULT_SHORTCUTS, 1, 'w', classes)).toBe(
      'W is the shortcut for “Draw a box”: choose another key, or change that shortcut in Settings first.',
    );
    for (const k of ['a', 'd', 'f'])
      expect(classHotkeyConflict(DEFAULT_SHORTCUTS, 1, k, classes)).not.toBeNull();
    expect(classHotkeyConflict(DEFAULT_SHORTCUTS, 1, '2', classes)).toBe(
      '2 already selects the class “WBC”: choose another key.',
    );
    // Its own key, a key only used with Ctrl (Ctrl+Z), and a key freed by a remapping are fine.
    expect(classHotkeyConflict(DEFAULT_SHORTCUTS, 1, '1', classes)).toBeNull();
    expect(classHotkeyConflict(DEFAULT_SHORTCUTS, 1, 'z', classes)).toBeNull();
    expect(classHotkeyConflict({ ...DEFAULT_SHORTCUTS, draw: 'N' }, 1, 'w', classes)).toBeNull();
    expect(classHotkeyConflict({ ...DEFAULT_SHORTCUTS, draw: 'N' }, 1, 'n', classes)).toContain(
      '“Draw a box”',
    );
  });
});
