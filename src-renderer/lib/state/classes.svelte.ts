import type { ClassInfo } from '../../../src-main/shared/api/project';
import type { AppState } from './app.svelte';
import { classHotkeyConflict } from './shortcuts';

/** The next free digit, the hotkey a new class gets (as in LabelImg / CVAT). */
const DIGITS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'];

/**
 * The class manager's edits: each is one call, then the app's class list (and where boxes moved, the
 * Library and the project counts) is read again. Failures go to the app's banner.
 */
export class ClassesState {
  /** A refused hotkey: the class keeps its old one and its row says why. */
  refused = $state<{ classId: number; message: string } | null>(null);

  constructor(private readonly app: AppState) {}

  get list(): ClassInfo[] {
    return this.app.classes;
  }

  /** Adds a class with the next free digit as its hotkey; true when it was added. */
  async add(name: string): Promise<boolean> {
    const used = new Set(this.list.map((c) => c.hotkey));
    const hotkey = DIGITS.find((k) => !used.has(k)) ?? null;
    const created = await this.app.attempt(() => this.app.api.call('classes.add', { name, hotkey }));
    await this.app.refreshClasses();
    return created !== undefined;
  }

  async update(c: ClassInfo, change: { name?: string; color?: string }): Promise<void> {
    await this.app.attempt(() => this.app.api.call('classes.update', { id: c.id, ...change }));
    await this.app.refreshClasses();
  }

  /** Sets a class's hotkey unless an action or another class has that key; the key it now has. */
  async setHotkey(c: ClassInfo, typed: string): Promise<string> {
    const key = typed.trim().toLowerCase();
    const conflict = !key
      ? null
      : /^[0-9a-z]$/.test(key)
        ? classHotkeyConflict(this.app.settings.shortcuts, c.id, key, this.list)
        : `“${key}” cannot be a hotkey: use one digit or letter.`;
    this.refused = conflict ? { classId: c.id, message: conflict } : null;
    if (conflict) return c.hotkey ?? '';
    const ok = await this.app.attempt(() =>
      this.app.api.call('classes.update', { id: c.id, hotkey: key || null }),
    );
    await this.app.refreshClasses();
    return ok ? key : (c.hotkey ?? '');
  }

  async merge(source: ClassInfo, targetId: number): Promise<void> {
    await this.app.attempt(() => this.app.api.call('classes.merge', { sourceId: source.id, targetId }));
    await this.#afterBoxesMoved();
  }

  /** Deletes a class; its boxes go with it, or to `reassignTo`, as the user chose. */
  async remove(c: ClassInfo, reassignTo: number | null): Promise<void> {
    await this.app.attempt(() =>
      this.app.api.call(
        'classes.delete',
        reassignTo !== null ? { id: c.id, boxes: 'reassign', reassignTo } : { id: c.id, boxes: 'delete' },
      ),
    );
    await this.#afterBoxesMoved();
  }

  async #afterBoxesMoved(): Promise<void> {
    await Promise.all([this.app.refreshClasses(), this.app.library.reload(), this.app.refreshProject()]);
  }
}
