import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../../src-main/shared/api/app';
import { SettingsService } from '../../../src-main/services/settingsService';

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'dws-settings-'));

describe('settings', () => {
  it('starts from the defaults and persists a remapped shortcut', () => {
    const dir = tempDir();
    expect(new SettingsService(dir).get()).toEqual(DEFAULT_SETTINGS);
    const s = new SettingsService(dir).update({ shortcuts: { draw: 'N' } });
    expect(s.shortcuts.draw).toBe('N');
    expect(new SettingsService(dir).get().shortcuts.draw).toBe('N');
    expect(JSON.parse(readFileSync(path.join(dir, 'settings.json'), 'utf8')).shortcuts.nextImage).toBe('D');
  });

  it('refuses a chord that is already taken, and keeps the old settings', () => {
    const dir = tempDir();
    const svc = new SettingsService(dir);
    expect(() => svc.update({ shortcuts: { draw: 'D' } })).toThrow(/already the shortcut for nextImage/);
    expect(svc.get().shortcuts.draw).toBe('W');
  });

  it('falls back to the defaults when the file is corrupt, and can reset', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'settings.json'), '{"shortcuts": {"draw": 12');
    const svc = new SettingsService(dir);
    expect(svc.get()).toEqual(DEFAULT_SETTINGS);
    svc.update({ thumbnailSize: 200 });
    expect(svc.update({ reset: true })).toEqual(DEFAULT_SETTINGS);
  });
});
