import { copyFileSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src-main/shared/errors';
import { useSqliteBinding } from '../../../src-main/store/database';
import { ProjectStore } from '../../../src-main/store/projectStore';

// The Node build in node_modules stands in for the Electron build `npm start` passes the desktop app.
const require = createRequire(import.meta.url);
const NODE_BUILD = path.join(
  path.dirname(require.resolve('better-sqlite3/package.json')),
  'build',
  'Release',
  'better_sqlite3.node',
);

let dir: string;
beforeEach(() => {
  dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'dws-binding-')));
});
afterEach(() => {
  useSqliteBinding(undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('the SQLite addon override', () => {
  it('creates, closes and reopens a project with the addon it was given', () => {
    useSqliteBinding(NODE_BUILD);
    const file = path.join(dir, 'p.dwproj');
    ProjectStore.create(file, { name: 'p', appVersion: '0.0.0' }).close();
    const store = ProjectStore.open(file);
    try {
      expect(store.name()).toBe('p');
      expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      store.close();
    }
  });

  it('loads that file, not the package build (a copy elsewhere, as npm start keeps one)', () => {
    const copy = path.join(dir, 'cache', 'better_sqlite3.node');
    mkdirSync(path.dirname(copy));
    copyFileSync(NODE_BUILD, copy);
    useSqliteBinding(copy);
    const store = ProjectStore.create(path.join(dir, 'p.dwproj'), { name: 'p', appVersion: '0.0.0' });
    store.close();
    expect(Object.keys(require.cache)).toContain(copy);
  });

  it('refuses an addon that will not load with an AppError naming the file, and creates nothing', () => {
    const bogus = path.join(dir, 'electron', 'better_sqlite3.node');
    useSqliteBinding(bogus);
    const file = path.join(dir, 'p.dwproj');
    let error: unknown;
    try {
      ProjectStore.create(file, { name: 'p', appVersion: '0.0.0' }).close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).message).toContain(`Cannot load the SQLite addon ${bogus}`);
    expect((error as AppError).message).not.toContain('\n');
    expect(existsSync(file)).toBe(false);
  });

  it('goes back to the package build when given undefined', () => {
    useSqliteBinding(path.join(dir, 'missing.node'));
    useSqliteBinding(undefined);
    const file = path.join(dir, 'p.dwproj');
    ProjectStore.create(file, { name: 'p', appVersion: '0.0.0' }).close();
    expect(existsSync(file)).toBe(true);
  });
});
