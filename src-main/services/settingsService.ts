import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SETTINGS, Settings } from '../shared/api/app';
import type { ParsedInput } from '../shared/contract';
import { AppError } from '../shared/errors';

/** User settings in one JSON file, replaced atomically so a crash mid-write cannot corrupt it. */
export class SettingsService {
  readonly #file: string;
  #cache: Settings | null = null;

  constructor(userDataDir: string) {
    this.#file = path.join(userDataDir, 'settings.json');
  }

  get(): Settings {
    if (this.#cache) return this.#cache;
    let stored: unknown = {};
    try {
      stored = JSON.parse(readFileSync(this.#file, 'utf8'));
    } catch {
      // Missing or unreadable: defaults. A corrupt file is replaced on the next save.
    }
    const merged = Settings.safeParse({
      ...DEFAULT_SETTINGS,
      ...(stored as object),
      shortcuts: { ...DEFAULT_SETTINGS.shortcuts, ...((stored as { shortcuts?: object }).shortcuts ?? {}) },
    });
    this.#cache = merged.success ? merged.data : structuredClone(DEFAULT_SETTINGS);
    return this.#cache;
  }

  update(change: ParsedInput<'settings.update'>): Settings {
    const base = change.reset ? structuredClone(DEFAULT_SETTINGS) : this.get();
    const next: Settings = {
      shortcuts: { ...base.shortcuts, ...change.shortcuts },
      thumbnailSize: change.thumbnailSize ?? base.thumbnailSize,
      computeWorkers: change.computeWorkers === undefined ? base.computeWorkers : change.computeWorkers,
    };
    for (const [action, chord] of Object.entries(change.shortcuts ?? {})) {
      const other = Object.entries(next.shortcuts).find(([a, c]) => a !== action && c === chord);
      if (other) throw new AppError('conflict', `"${chord}" is already the shortcut for ${other[0]}`);
    }
    mkdirSync(path.dirname(this.#file), { recursive: true });
    const tmp = `${this.#file}.tmp`;
    writeFileSync(tmp, JSON.stringify(next, null, 2));
    renameSync(tmp, this.#file);
    this.#cache = next;
    return next;
  }
}
