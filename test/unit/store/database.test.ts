import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { APPLICATION_ID, openDatabase } from '../../../src-main/store/database';
import { migrate, SCHEMA_VERSION } from '../../../src-main/store/migrations';
import { ProjectStore } from '../../../src-main/store/projectStore';
import { tempStore } from './storeFixture';

let cleanup: (() => void)[] = [];
afterEach(() => {
  cleanup.forEach((f) => f());
  cleanup = [];
});

function fresh() {
  const t = tempStore();
  cleanup.push(t.dispose);
  return t;
}

describe('project database', () => {
  it('is created in WAL mode with foreign keys on, the app id set and every migration applied', () => {
    const { store } = fresh();
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL, see database.ts
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(10000);
    expect(store.db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const tables = store.db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .pluck()
      .all();
    expect(tables).toEqual(
      expect.arrayContaining([
        'boxes',
        'classes',
        'images',
        'models',
        'predictions',
        'project_meta',
        'run_metrics',
        'runs',
      ]),
    );
    expect(store.name()).toBe('test');
  });

  it('opens again with its data', () => {
    const { store, file } = fresh();
    store.classes.add({ name: 'cat', color: '#112233', hotkey: '1' });
    store.close();
    const again = ProjectStore.open(file);
    cleanup.unshift(() => again.close());
    expect(again.classes.list().map((c) => c.name)).toEqual(['cat']);
  });

  it('refuses a file from a newer version with a clear message, and leaves it untouched', () => {
    const { store, file } = fresh();
    store.db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    store.db.pragma('journal_mode = DELETE');
    store.close();
    const before = readFileSync(file);
    expect(() => ProjectStore.open(file)).toThrow(
      expect.objectContaining({
        code: 'version_too_new',
        message: expect.stringMatching(
          /saved by a newer version of DW Studio .* Update DW Studio to open it/,
        ),
      }),
    );
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a missing file, a file that is not SQLite and an SQLite file of another app', () => {
    const { dir } = fresh();
    expect(() => openDatabase(path.join(dir, 'nope.dwproj'), 'open')).toThrow(
      expect.objectContaining({ code: 'not_found' }),
    );
    const text = path.join(dir, 'text.dwproj');
    writeFileSync(text, 'hello, this is not a database at all, just some text that is long enough');
    expect(() => openDatabase(text, 'open')).toThrow(
      expect.objectContaining({
        code: 'invalid_data',
        message: expect.stringContaining('not a DW Studio project'),
      }),
    );
    const other = path.join(dir, 'other.dwproj');
    new Database(other).exec('CREATE TABLE t (x)');
    expect(() => openDatabase(other, 'open')).toThrow(/another app/);
  });

  it('refuses to create over an existing file', () => {
    const { file } = fresh();
    expect(() => openDatabase(file, 'create')).toThrow(expect.objectContaining({ code: 'conflict' }));
  });

  it('runs pending migrations in one transaction: a failing step leaves the file at its old version', () => {
    const { dir } = fresh();
    const db = new Database(path.join(dir, 'm.db'));
    cleanup.unshift(() => db.close());
    const steps = [
      { version: 1, name: 'one', sql: 'CREATE TABLE a (x);' },
      { version: 2, name: 'two', sql: 'CREATE TABLE b (x);' },
      { version: 3, name: 'broken', sql: 'CREATE TABLE c (x); THIS IS NOT SQL;' },
    ];
    expect(migrate(db, 'm.db', steps.slice(0, 1))).toBe(1);
    expect(() => migrate(db, 'm.db', steps)).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toEqual(['a']);
    expect(migrate(db, 'm.db', steps.slice(0, 2))).toBe(2);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
  });
});
